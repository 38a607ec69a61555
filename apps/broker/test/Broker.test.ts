import { existsSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { startBroker } from "../src/Broker.js"

describe("startBroker", () => {
  it("with :memory: resolves to the endpoint, the credentials and the CA, also as a file until stop", async () => {
    const broker = await startBroker({ port: 0, dataDir: ":memory:", logLevel: "error" })
    try {
      expect(broker).toMatchObject({ region: "us-east-1", accountId: "000000000000", dataDir: ":memory:" })
      expect(broker.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      expect(broker.credentials.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/)
      expect(broker.caPem).toMatch(/^-----BEGIN CERTIFICATE-----/)
      expect(readFileSync(broker.caFile!, "utf8")).toBe(broker.caPem)
    } finally {
      await broker.stop()
    }
    expect(existsSync(broker.caFile!)).toBe(false)
  })
})
