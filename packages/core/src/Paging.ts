/**
 * Paging of SNS list actions: ListTopics, ListSubscriptions and ListSubscriptionsByTopic return at
 * most 100 items and a NextToken to resume at (SNS API reference, ListTopics: NextToken).
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import { invalidParameter, type InvalidParameter } from "./Errors.js"

/**
 * A page of a list, SNS style: at most `size` items after the opaque `nextToken` (the index to resume
 * at, as a decimal string), and the token for the next page.
 *
 * @category utils
 */
export const page = <A>(
  items: ReadonlyArray<A>,
  nextToken: string | undefined,
  size: number
): Either.Either<{ readonly items: ReadonlyArray<A>; readonly nextToken: string | undefined }, InvalidParameter> => {
  const start = nextToken === undefined ? 0 : /^\d+$/.test(nextToken) ? Number(nextToken) : Number.NaN
  if (!Number.isSafeInteger(start) || start > items.length) return Either.left(invalidParameter("NextToken"))
  const end = start + size
  return Either.right({ items: items.slice(start, end), nextToken: end < items.length ? String(end) : undefined })
}
