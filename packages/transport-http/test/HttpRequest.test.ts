/**
 * Reading a request's body off a live `node:http` server: whole, in chunks, over the cap, and cut
 * off by a client that goes away. Each read ends exactly once, with the body or the reason.
 */
import { Either } from "effect"
import { createServer, type IncomingMessage, type Server } from "node:http"
import { type AddressInfo, connect } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readBody, RequestAborted, RequestEntityTooLarge } from "../src/HttpRequest.js"

const LIMIT = 64

type Read = Either.Either<Uint8Array, RequestEntityTooLarge | RequestAborted>

/** The reads in arrival order, each with how many times `done` was called for it. */
const reads: Array<{ result: Read; calls: number }> = []
const waiting: Array<(read: { result: Read; calls: number }) => void> = []
let server: Server

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const read = { result: Either.right(new Uint8Array()) as Read, calls: 0 }
    readBody(req, LIMIT, (result) => {
      read.calls++
      read.result = result
      if (read.calls === 1) {
        const waiter = waiting.shift()
        if (waiter === undefined) reads.push(read)
        else waiter(read)
      }
      if (!res.destroyed) res.end(Either.isRight(result) ? "ok" : result.left._tag)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

const nextRead = () =>
  new Promise<{ result: Read; calls: number }>((resolve) => {
    const read = reads.shift()
    if (read === undefined) waiting.push(resolve)
    else resolve(read)
  })

/** Sends `head` and then each of `pieces` on a raw socket; closes it once they are sent when `abort`. */
const send = (head: string, pieces: ReadonlyArray<string>, abort: boolean) => {
  const socket = connect((server.address() as AddressInfo).port, "127.0.0.1")
  socket.on("error", () => {})
  socket.write(head)
  for (const piece of pieces) socket.write(piece)
  if (abort) socket.write("", () => socket.destroy())
  else socket.end()
}

const text = (read: Read) => (Either.isRight(read) ? new TextDecoder().decode(read.right) : read.left._tag)

describe("readBody", () => {
  it("reads a body sent with Content-Length in several writes", async () => {
    send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n", ["hello", " ", "world"], false)
    const read = await nextRead()
    expect(text(read.result)).toBe("hello world")
    expect(read.calls).toBe(1)
  })

  it("reads a chunked body, which declares no length", async () => {
    send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", ["5\r\nhello\r\n", "6\r\n world\r\n", "0\r\n\r\n"], false)
    const read = await nextRead()
    expect(text(read.result)).toBe("hello world")
    expect(read.calls).toBe(1)
  })

  it("reads a body of one chunk, of three chunks, and an empty body", async () => {
    send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world", [], false)
    const one = await nextRead()
    send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", ["5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n"], false)
    const three = await nextRead()
    send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", [], false)
    const empty = await nextRead()
    expect([one, three, empty].map((read) => text(read.result))).toEqual(["hello world", "hello world", ""])
    expect([one.calls, three.calls, empty.calls]).toEqual([1, 1, 1])
  })

  it("refuses a declared length over the cap before reading anything", async () => {
    send(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${LIMIT + 1}\r\n\r\n`, ["x".repeat(LIMIT + 1)], false)
    const read = await nextRead()
    expect(read.result).toEqual(Either.left(expect.any(RequestEntityTooLarge)))
    expect(read.calls).toBe(1)
  })

  it("refuses a chunked body once it passes the cap, once", async () => {
    const chunk = `20\r\n${"x".repeat(32)}\r\n`
    send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", [chunk, chunk, chunk, chunk, "0\r\n\r\n"], false)
    const read = await nextRead()
    expect(read.result).toEqual(Either.left(expect.any(RequestEntityTooLarge)))
    expect(read.calls).toBe(1)
  })

  it("ends with RequestAborted when the client goes away mid-body, with Content-Length or chunked", async () => {
    send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n", ["only ten b"], true)
    const declared = await nextRead()
    expect(declared.result).toEqual(Either.left(expect.any(RequestAborted)))
    send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", ["5\r\nhello\r\n"], true)
    const chunked = await nextRead()
    expect(chunked.result).toEqual(Either.left(expect.any(RequestAborted)))
    expect([declared.calls, chunked.calls]).toEqual([1, 1])
  })
})
