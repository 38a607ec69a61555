/**
 * The value of one hexadecimal digit (RFC 3986 §2.1: `%` HEXDIG HEXDIG, either case), or -1 for any
 * other character code. Shared by the form decoder and SigV4's canonical URI.
 *
 * @since 0.1.0
 */
export const hexDigitValue = (code: number): number => {
  if (code >= 0x30 && code <= 0x39) return code - 0x30
  if (code >= 0x41 && code <= 0x46) return code - 0x37
  if (code >= 0x61 && code <= 0x66) return code - 0x57
  return -1
}
