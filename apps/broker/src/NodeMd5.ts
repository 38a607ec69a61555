/**
 * The core's `Md5` service on `node:crypto` (OpenSSL): the digest SQS answers with for every message
 * body (MD5OfMessageBody), about seven times faster than the core's JavaScript layer at 1 KiB
 * (docs/PERFORMANCE.md, "MD5 of a body as a service"). A property test holds it to the same digests.
 *
 * @since 0.1.0
 */
import { MessageDigest } from "@sealcast/core"
import { Layer } from "effect"
import { hash } from "node:crypto"

/**
 * A text is hashed as its UTF-8 bytes, which is how `node:crypto` encodes a string, lone surrogates
 * as U+FFFD included, as `TextEncoder` does for the JavaScript layer.
 *
 * @category constructors
 */
export const makeNode = (): MessageDigest.Md5Service => ({ hex: (data) => hash("md5", data, "hex") })

/**
 * @category layers
 */
export const layerNode: Layer.Layer<MessageDigest.Md5> = Layer.sync(MessageDigest.Md5, makeNode)
