import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope, TestClock } from "effect"
import { X509Certificate } from "node:crypto"
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs"
import { createServer, request } from "node:https"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { loadTlsMaterial, type TlsMaterial, tlsPaths, withCaFile } from "../../src/tls/TlsMaterial.js"

const root = mkdtempSync(join(tmpdir(), "sealcast-tls-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** Serves "ok" over HTTPS with `material` on every interface (IPv4 and IPv6), for one callback. */
const withServer = <A>(material: TlsMaterial, f: (port: number) => Promise<A>): Promise<A> =>
  new Promise((resolve, reject) => {
    const server = createServer({ cert: material.cert, key: material.key }, (_req, res) => res.end("ok"))
    server.listen(0, "::", () => {
      f((server.address() as AddressInfo).port).then(resolve, reject).finally(() => server.close())
    })
  })

/** GET `url`, trusting `ca` only (or the system roots when undefined); the body, or the TLS error code. */
const get = (url: string, ca: string | undefined) =>
  new Promise<string>((resolve) => {
    const req = request(url, ca === undefined ? {} : { ca }, (res) => {
      let body = ""
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk)).on("end", () => resolve(body))
    })
    req.on("error", (error: NodeJS.ErrnoException) => resolve(`error ${error.code}`))
    req.end()
  })

describe("TLS material", () => {
  it.live("serves https://localhost, https://127.0.0.1 and https://[::1] to a client that trusts the CA, and no one else", () =>
    Effect.gen(function* () {
      const material = yield* loadTlsMaterial({ dataDir: join(root, "serve") })
      const results = yield* Effect.promise(() =>
        withServer(material, async (port) => ({
          localhost: await get(`https://localhost:${port}/`, material.caPem),
          ipv4: await get(`https://127.0.0.1:${port}/`, material.caPem),
          ipv6: await get(`https://[::1]:${port}/`, material.caPem),
          untrusting: await get(`https://127.0.0.1:${port}/`, undefined)
        }))
      )
      expect(results).toEqual({ localhost: "ok", ipv4: "ok", ipv6: "ok", untrusting: "error UNABLE_TO_VERIFY_LEAF_SIGNATURE" })
    }))

  it.live("writes the four files once, keys 0600, and reuses them on later calls", () =>
    Effect.gen(function* () {
      const dataDir = join(root, "reuse")
      const paths = tlsPaths(dataDir)
      const first = yield* loadTlsMaterial({ dataDir })
      expect(first.written).toEqual([paths.ca, paths.caKey, paths.server, paths.serverKey])
      expect(first.caFile).toBe(paths.ca)
      expect(readFileSync(paths.ca, "utf8")).toBe(first.caPem)
      expect(statSync(paths.caKey).mode & 0o777).toBe(0o600)
      expect(statSync(paths.serverKey).mode & 0o777).toBe(0o600)
      const second = yield* loadTlsMaterial({ dataDir })
      expect(second).toEqual({ ...first, written: [] })

      // A lost server certificate is issued again by the same CA, which clients already trust.
      unlinkSync(paths.server)
      const third = yield* loadTlsMaterial({ dataDir })
      expect(third.caPem).toBe(first.caPem)
      expect(third.cert).not.toBe(first.cert)
      expect(third.written).toEqual([paths.server, paths.serverKey])

      // A damaged CA key means a new CA, and a server certificate from it.
      writeFileSync(paths.caKey, "garbage")
      const fourth = yield* loadTlsMaterial({ dataDir })
      expect(fourth.caPem).not.toBe(first.caPem)
      expect(new X509Certificate(fourth.cert).checkIssued(new X509Certificate(fourth.caPem!))).toBe(true)
    }))

  it.effect("the certificates say what they are for: CA:TRUE for the CA; serverAuth and the three names for the server", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(Date.parse("2030-06-01T00:00:00Z"))
      const material = yield* loadTlsMaterial({ dataDir: ":memory:" })
      const ca = new X509Certificate(material.caPem!)
      const server = new X509Certificate(material.cert)
      expect(ca.ca).toBe(true)
      expect(server.ca).toBe(false)
      expect(server.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1")
      expect(server.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"])
      expect(server.checkIssued(ca) && server.verify(ca.publicKey)).toBe(true)
      expect(Date.parse(server.validTo) - Date.parse("2030-06-01T00:00:00Z")).toBe(397 * 24 * 3600 * 1000)
      expect(material.caFile).toBeUndefined()
    }))

  it.effect("expired or nearly expired material is made again", () =>
    Effect.gen(function* () {
      const dataDir = join(root, "expiry")
      yield* TestClock.setTime(Date.parse("2030-01-01T00:00:00Z"))
      const first = yield* loadTlsMaterial({ dataDir })
      // 380 days on, the server certificate has 17 days left: renewed, the CA kept.
      yield* TestClock.adjust("380 days")
      const renewed = yield* loadTlsMaterial({ dataDir })
      expect(renewed.caPem).toBe(first.caPem)
      expect(renewed.cert).not.toBe(first.cert)
      // Past the CA's ten years, everything is new.
      yield* TestClock.adjust("3650 days")
      const reborn = yield* loadTlsMaterial({ dataDir })
      expect(reborn.caPem).not.toBe(first.caPem)
    }))

  it.live("uses the user's own certificate and key, and refuses a key that is not the certificate's", () =>
    Effect.gen(function* () {
      const own = yield* loadTlsMaterial({ dataDir: ":memory:" })
      const other = yield* loadTlsMaterial({ dataDir: ":memory:" })
      const certFile = join(root, "own.pem")
      const keyFile = join(root, "own-key.pem")
      writeFileSync(certFile, own.cert)
      writeFileSync(keyFile, own.key)
      expect(yield* loadTlsMaterial({ dataDir: ":memory:", tlsCert: certFile, tlsKey: keyFile })).toEqual({
        cert: own.cert, key: own.key, caPem: undefined, caFile: undefined, written: []
      })
      writeFileSync(keyFile, other.key)
      const mismatch = yield* Effect.flip(loadTlsMaterial({ dataDir: ":memory:", tlsCert: certFile, tlsKey: keyFile }))
      expect(mismatch.message).toBe(`--tls-key: ${keyFile} is not the private key of the certificate in ${certFile}`)
      writeFileSync(certFile, "not pem")
      expect((yield* Effect.flip(loadTlsMaterial({ dataDir: ":memory:", tlsCert: certFile, tlsKey: keyFile })))._tag).toBe("ConfigError")
      const missing = yield* Effect.flip(loadTlsMaterial({ dataDir: ":memory:", tlsCert: join(root, "none.pem"), tlsKey: keyFile }))
      expect(missing.message).toContain("--tls-cert: no such file")
    }))

  it.live("in memory, withCaFile puts the CA in a temporary file that lives as long as its scope", () =>
    Effect.gen(function* () {
      const material = yield* loadTlsMaterial({ dataDir: ":memory:" })
      expect(material.caFile).toBeUndefined()
      const scope = yield* Scope.make()
      const published = yield* Scope.extend(withCaFile(material), scope)
      const caFile = published.caFile!
      expect(published).toEqual({ ...material, caFile })
      expect(caFile.startsWith(tmpdir())).toBe(true)
      expect(readFileSync(caFile, "utf8")).toBe(material.caPem)
      yield* Scope.close(scope, Exit.void)
      expect(existsSync(caFile)).toBe(false)
      expect(existsSync(join(caFile, ".."))).toBe(false)
    }))

  it.scoped("withCaFile leaves a data dir's CA file and the user's own certificate as they are", () =>
    Effect.gen(function* () {
      const fromDir = yield* loadTlsMaterial({ dataDir: join(root, "ca-file") })
      expect(yield* withCaFile(fromDir)).toBe(fromDir)
      const own: TlsMaterial = { ...fromDir, caPem: undefined, caFile: undefined }
      expect(yield* withCaFile(own)).toBe(own)
    }))
})
