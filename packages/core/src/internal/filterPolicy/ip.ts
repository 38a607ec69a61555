/**
 * IP address literals and CIDR blocks for the filter policy's `cidr` operator.
 *
 * Only address literals count: a host name is never resolved (the core does no I/O), and a value that
 * is not an IPv4 (RFC 791 dotted quad) or IPv6 (RFC 4291 §2.2) literal simply does not match.
 *
 * @since 0.1.0
 */

/** An address as its 4 (IPv4) or 16 (IPv6) bytes, network order. */
export type IpBytes = Uint8Array

const decimalOctet = /^[0-9]{1,3}$/
const hexGroup = /^[0-9A-Fa-f]{1,4}$/

const parseIpv4 = (text: string): IpBytes | undefined => {
  const parts = text.split(".")
  if (parts.length !== 4) return undefined
  const bytes = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!
    if (!decimalOctet.test(part)) return undefined
    const octet = Number(part)
    if (octet > 255) return undefined
    bytes[i] = octet
  }
  return bytes
}

/** The 16-bit groups of one side of an IPv6 literal; the last may be a dotted quad (RFC 4291 §2.2.3). */
const parseGroups = (text: string, allowTrailingIpv4: boolean): Array<number> | undefined => {
  if (text === "") return []
  const parts = text.split(":")
  const groups: Array<number> = []
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!
    if (allowTrailingIpv4 && i === parts.length - 1 && part.includes(".")) {
      const quad = parseIpv4(part)
      if (quad === undefined) return undefined
      groups.push((quad[0]! << 8) | quad[1]!, (quad[2]! << 8) | quad[3]!)
    } else if (hexGroup.test(part)) {
      groups.push(Number.parseInt(part, 16))
    } else {
      return undefined
    }
  }
  return groups
}

/** RFC 4291 §2.2: eight groups, or fewer with one `::` standing for the missing zero groups. */
const parseIpv6 = (text: string): IpBytes | undefined => {
  const halves = text.split("::")
  if (halves.length > 2) return undefined
  let groups: Array<number>
  if (halves.length === 2) {
    const head = parseGroups(halves[0]!, false)
    const tail = parseGroups(halves[1]!, true)
    if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined
    groups = [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail]
  } else {
    const all = parseGroups(text, true)
    if (all === undefined || all.length !== 8) return undefined
    groups = all
  }
  const bytes = new Uint8Array(16)
  groups.forEach((group, i) => {
    bytes[2 * i] = group >> 8
    bytes[2 * i + 1] = group & 0xff
  })
  return bytes
}

/** The bytes of an IPv4 or IPv6 literal, or `undefined` when `text` is neither. */
export const parseIp = (text: string): IpBytes | undefined =>
  text.includes(":") ? parseIpv6(text) : parseIpv4(text)

/** A CIDR block: the base address and how many leading bits of it a member must share (RFC 4632 §3.1). */
export interface CidrBlock {
  readonly base: IpBytes
  readonly maskBits: number
}

/** Whether `address` lies in `block`; an IPv4 address is never in an IPv6 block, nor the reverse. */
export const cidrContains = (block: CidrBlock, address: IpBytes): boolean => {
  if (block.base.length !== address.length) return false
  const fullBytes = block.maskBits >> 3
  for (let i = 0; i < fullBytes; i++) if (block.base[i] !== address[i]) return false
  const restBits = block.maskBits & 7
  if (restBits === 0) return true
  const mask = (0xff << (8 - restBits)) & 0xff
  return (block.base[fullBytes]! & mask) === (address[fullBytes]! & mask)
}
