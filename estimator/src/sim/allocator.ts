/**
 * A model of PyTorch's CUDA caching allocator (c10/cuda/CUDACachingAllocator.cpp, DeviceCachingAllocator), enough
 * to tell reserved from allocated bytes for a replayed sequence of tensor allocations and frees:
 * - every request is rounded up to a multiple of 512 B (kMinBlockSize; round_size);
 * - requests of at most 1 MiB (kSmallSize) come from the small pool, others from the large pool (get_pool);
 * - a missing block is served by a new segment (cudaMalloc) of 2 MiB (kSmallBuffer) for small requests, 20 MiB
 *   (kLargeBuffer) for requests under 10 MiB (kMinLargeAlloc), and the request rounded up to 2 MiB (kRoundLarge)
 *   otherwise (get_allocation_size);
 * - a free block is found best-fit: the smallest cached block of the pool at least as large as the request, the
 *   lower address on a tie (BlockComparatorSize over the pool's ordered set);
 * - a block is split when the remainder is at least 512 B (small pool) or more than 1 MiB (large pool)
 *   (should_split); a freed block merges with free neighbours of its own segment only (try_merge_blocks), never
 *   across segments, which is where fragmentation comes from;
 * - when a new segment would not fit the device, the cached segments with no live block are released
 *   (release_cached_blocks, the retry before an OOM) and the request retried; if it still does not fit, PyTorch
 *   raises OutOfMemoryError, which the model counts (`ooms`).
 * Not modelled: streams (one stream), expandable segments, max_split_size_mb and roundup_power2_divisions (both
 * off by default), and the driver's own granularity.
 */
export const MIN_BLOCK = 512;
export const SMALL_SIZE = 1 << 20;
export const SMALL_BUFFER = 2 << 20;
export const LARGE_BUFFER = 20 << 20;
export const MIN_LARGE_ALLOC = 10 << 20;
export const ROUND_LARGE = 2 << 20;

/** round_size: the block size a request of `bytes` occupies. */
export function roundSize(bytes: number): number {
  return bytes < MIN_BLOCK ? MIN_BLOCK : MIN_BLOCK * Math.ceil(bytes / MIN_BLOCK);
}

/** get_allocation_size: the segment cudaMalloc'd when no cached block serves a (rounded) request. */
export function segmentSize(rounded: number): number {
  if (rounded <= SMALL_SIZE) return SMALL_BUFFER;
  if (rounded < MIN_LARGE_ALLOC) return LARGE_BUFFER;
  return ROUND_LARGE * Math.ceil(rounded / ROUND_LARGE);
}

export interface Block {
  segment: Segment;
  offset: number;
  size: number;
  free: boolean;
  prev: Block | null;
  next: Block | null;
}

interface Segment {
  id: number;
  size: number;
  small: boolean;
  head: Block;
}

export class CachingAllocator {
  allocated = 0;
  reserved = 0;
  peakAllocated = 0;
  peakReserved = 0;
  /** cudaMalloc calls and cache flushes (release_cached_blocks before a retry). */
  segmentsCreated = 0;
  cacheFlushes = 0;
  /** Segments that did not fit under the limit even after the cache was released. */
  ooms = 0;
  private nextSegment = 0;
  /** Free blocks per pool, kept sorted by (size, segment, offset) as the pool's std::set is. */
  private readonly freeBlocks: { small: Block[]; large: Block[] } = { small: [], large: [] };
  private readonly segments = new Set<Segment>();

  /** `limit`: bytes the allocator may reserve on the device (capacity less the CUDA context). */
  constructor(private limit = Infinity) {}

  /** Allocate `bytes`; returns the block to free(). */
  malloc(bytes: number): Block {
    const size = roundSize(bytes);
    const small = size <= SMALL_SIZE;
    const pool = small ? this.freeBlocks.small : this.freeBlocks.large;
    const at = lowerBound(pool, size, -1, 0);
    let block: Block | undefined = pool[at];
    if (!block) {
      const segBytes = segmentSize(size);
      if (this.reserved + segBytes > this.limit) {
        this.releaseCached();
        // PyTorch raises OutOfMemoryError here; the model records it and goes on so that the step's peaks stay known
        if (this.reserved + segBytes > this.limit) {
          this.ooms++;
          this.limit = Infinity;
        }
      }
      block = this.newSegment(segBytes, small);
    } else {
      pool.splice(at, 1);
    }
    const remaining = block.size - size;
    if (small ? remaining >= MIN_BLOCK : remaining > SMALL_SIZE) {
      const rest: Block = { segment: block.segment, offset: block.offset + size, size: remaining, free: true, prev: block, next: block.next };
      if (block.next) block.next.prev = rest;
      block.next = rest;
      block.size = size;
      insert(pool, rest);
    }
    block.free = false;
    this.allocated += block.size;
    this.peakAllocated = Math.max(this.peakAllocated, this.allocated);
    return block;
  }

  free(block: Block): void {
    if (block.free) throw new Error('double free');
    block.free = true;
    this.allocated -= block.size;
    const pool = block.segment.small ? this.freeBlocks.small : this.freeBlocks.large;
    let merged = block;
    const { prev, next } = block;
    if (prev?.free) {
      remove(pool, prev);
      merged = mergeBlocks(merged, prev);
    }
    if (next?.free) {
      remove(pool, next);
      merged = mergeBlocks(merged, next);
    }
    insert(pool, merged);
  }

  /** Bytes cached in free blocks (reserved − allocated). */
  get cached(): number {
    return this.reserved - this.allocated;
  }

  private newSegment(size: number, small: boolean): Block {
    const segment = { id: this.nextSegment++, size, small } as Segment;
    segment.head = { segment, offset: 0, size, free: true, prev: null, next: null };
    this.segments.add(segment);
    this.reserved += size;
    this.segmentsCreated++;
    this.peakReserved = Math.max(this.peakReserved, this.reserved);
    return segment.head;
  }

  /** release_cached_blocks: cudaFree every segment that is one free block. */
  private releaseCached(): void {
    this.cacheFlushes++;
    for (const seg of [...this.segments]) {
      if (!seg.head.free || seg.head.next) continue;
      const pool = seg.small ? this.freeBlocks.small : this.freeBlocks.large;
      remove(pool, seg.head);
      this.segments.delete(seg);
      this.reserved -= seg.size;
    }
  }
}

/** Index of the first block not ordered before (size, segment, offset): best fit is lowerBound(size, -1, 0). */
function lowerBound(pool: Block[], size: number, segment: number, offset: number): number {
  let lo = 0;
  let hi = pool.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const b = pool[mid];
    const less = b.size !== size ? b.size < size : b.segment.id !== segment ? b.segment.id < segment : b.offset < offset;
    if (less) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insert(pool: Block[], b: Block): void {
  pool.splice(lowerBound(pool, b.size, b.segment.id, b.offset), 0, b);
}

function remove(pool: Block[], b: Block): void {
  const i = lowerBound(pool, b.size, b.segment.id, b.offset);
  if (pool[i] !== b) throw new Error('allocator: free block not in its pool');
  pool.splice(i, 1);
}

/** Merge two adjacent free blocks of one segment into the lower one. */
function mergeBlocks(a: Block, b: Block): Block {
  const [lo, hi] = a.offset < b.offset ? [a, b] : [b, a];
  lo.size += hi.size;
  lo.next = hi.next;
  if (hi.next) hi.next.prev = lo;
  return lo;
}
