/**
 * The few WHATWG globals the core uses. Every runtime it targets (Node 20+, Deno, Bun, browsers,
 * workers) has them, so the core declares just these instead of depending on DOM or Node types.
 */
declare global {
  class TextDecoder {
    constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean })
    decode(input?: Uint8Array): string
  }
  class TextEncoder {
    encode(input?: string): Uint8Array
    encodeInto(source: string, destination: Uint8Array): { read: number; written: number }
  }
  class URL {
    constructor(url: string, base?: string)
    readonly protocol: string
    readonly hostname: string
    readonly port: string
    readonly pathname: string
    readonly search: string
    readonly href: string
  }
}
export {}
