/** Money is kept in integer micro-units (1 EUR = 1 000 000) so sums never drift. */
export const MICROS = 1_000_000

export function toMicros (amount: number): number {
  return Math.round(amount * MICROS)
}

export function fromMicros (micros: number): number {
  return micros / MICROS
}
