/**
 * HTTP/S delivery: one POST per attempt, with SNS's headers.
 *
 * SNS guide, "HTTP/HTTPS headers": every post carries `x-amz-sns-message-type`,
 * `x-amz-sns-message-id`, `x-amz-sns-topic-arn`, and for notifications `x-amz-sns-subscription-arn`;
 * raw deliveries add `x-amz-sns-rawdelivery: true`. The content type is `text/plain; charset=UTF-8`
 * unless the delivery policy's requestPolicy names another. SNS waits 15 seconds for an answer; a 2xx
 * status is a delivery, anything else (another status, a refused connection, a TLS failure, a
 * timeout) is a failed attempt that the retry policy decides about.
 *
 * @since 0.1.0
 */
import { Data, Effect } from "effect"
import * as http from "node:http"
import * as https from "node:https"
import { rootCertificates } from "node:tls"

/** SNS's delivery timeout (SNS guide, "Amazon SNS message delivery retries": 15 seconds). */
export const TIMEOUT_MS = 15_000

/** How SNS introduces itself to endpoints. */
export const USER_AGENT = "Amazon Simple Notification Service Agent"

/** The content type SNS uses when the delivery policy names none. */
export const DEFAULT_CONTENT_TYPE = "text/plain; charset=UTF-8"

/**
 * @category models
 */
export interface Post {
  readonly url: string
  readonly messageType: "Notification" | "SubscriptionConfirmation"
  readonly messageId: string
  readonly topicArn: string
  /** Absent on confirmations, which precede the subscription. */
  readonly subscriptionArn: string | undefined
  readonly raw: boolean
  readonly contentType: string | undefined
  readonly body: string
}

/**
 * A failed attempt: what went wrong, for the log (never the body, which may be a secret's plaintext).
 *
 * @category errors
 */
export class DeliveryFailed extends Data.TaggedError("DeliveryFailed")<{ readonly reason: string }> {}

/**
 * @category encoding
 */
export const headersOf = (post: Post): Record<string, string> => ({
  "x-amz-sns-message-type": post.messageType,
  "x-amz-sns-message-id": post.messageId,
  "x-amz-sns-topic-arn": post.topicArn,
  ...(post.subscriptionArn === undefined ? {} : { "x-amz-sns-subscription-arn": post.subscriptionArn }),
  ...(post.raw ? { "x-amz-sns-rawdelivery": "true" } : {}),
  "content-type": post.contentType ?? DEFAULT_CONTENT_TYPE,
  "user-agent": USER_AGENT
})

/**
 * @category models
 */
export interface HttpSender {
  readonly post: (post: Post) => Effect.Effect<void, DeliveryFailed>
}

/**
 * Keep-alive agents for both schemes, closed with the scope. HTTPS endpoints are trusted on the
 * system's CAs plus `caPem` (the broker's own CA, so subscribers it issued certificates to work).
 *
 * @category constructors
 */
export const makeHttpSender = (caPem: string | undefined) =>
  Effect.acquireRelease(
    Effect.sync(() => ({
      http: new http.Agent({ keepAlive: true }),
      https: new https.Agent({ keepAlive: true, ca: caPem === undefined ? [...rootCertificates] : [...rootCertificates, caPem] })
    })),
    (agents) =>
      Effect.sync(() => {
        agents.http.destroy()
        agents.https.destroy()
      })
  ).pipe(
    Effect.map(
      (agents): HttpSender => ({
        post: (post) =>
          Effect.async<void, DeliveryFailed>((resume) => {
            let url: URL
            try {
              url = new URL(post.url)
            } catch {
              resume(Effect.fail(new DeliveryFailed({ reason: `not a URL: ${post.url}` })))
              return
            }
            const secure = url.protocol === "https:"
            if (!secure && url.protocol !== "http:") {
              resume(Effect.fail(new DeliveryFailed({ reason: `unsupported scheme ${url.protocol}` })))
              return
            }
            const body = Buffer.from(post.body, "utf8")
            const options: http.RequestOptions = {
              method: "POST",
              agent: secure ? agents.https : agents.http,
              headers: { ...headersOf(post), "content-length": String(body.length) },
              timeout: TIMEOUT_MS
            }
            const request = (secure ? https.request : http.request)(url, options, (response) => {
              // Drain the answer so the connection goes back to the keep-alive pool.
              response.resume()
              response.on("end", () => {
                const status = response.statusCode ?? 0
                resume(status >= 200 && status < 300 ? Effect.void : Effect.fail(new DeliveryFailed({ reason: `HTTP ${status}` })))
              })
              response.on("error", (error) => resume(Effect.fail(new DeliveryFailed({ reason: error.message }))))
            })
            request.on("timeout", () => request.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)))
            request.on("error", (error) => resume(Effect.fail(new DeliveryFailed({ reason: error.message }))))
            request.end(body)
            return Effect.sync(() => request.destroy())
          })
      })
    )
  )
