/**
 * Where an actor lives: rendezvous (highest random weight) hashing of (kind, id) over the slots
 * that can take it. Every master computes the same answer from the same slots, and when a slot
 * leaves only the actors that lived there move (each to its next-highest slot), which is why it
 * beats `hash % n`.
 */

/** A worker that may take actors of a kind. */
export interface PlacementCandidate {
  workerId: number
  /** The slot it fills: placement hashes the slot, so a restarted worker scores as its predecessor did. */
  slotId: string
}

/** FNV-1a 32-bit over the string's UTF-16 units, then a murmur3 finaliser so nearby keys spread. */
function hash(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * The candidate that (kind, id) belongs to, or undefined when there is none. Two workers of one
 * slot (a rolling reload's new and old) tie; the newer (higher worker id) wins.
 */
export function placeActor(kind: string, id: string, candidates: readonly PlacementCandidate[]): PlacementCandidate | undefined {
  let best: PlacementCandidate | undefined
  let bestScore = -1
  for (const candidate of candidates) {
    const score = hash(`${candidate.slotId}\u0000${kind}\u0000${id}`)
    if (score > bestScore || (score === bestScore && best !== undefined && candidate.workerId > best.workerId)) {
      best = candidate
      bestScore = score
    }
  }
  return best
}
