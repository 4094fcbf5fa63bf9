// Word n-gram statistics for the Gopher repetition rules without building one string per n-gram.
//
// datatrove compares n-grams as strings: " ".join(words[i:i+n]) for the top n-gram rule and
// "".join(words[i:i+n]) for the duplicated n-gram rule (so ["ab", "c"] and ["a", "bc"] are the
// same 2-gram there). Here the words are joined once with the separator; every n-gram is then a
// substring of that one string, hashed in O(1) from prefix hashes, and candidates with equal hashes
// are compared character by character, so equality is exactly datatrove's string equality.

const HASH_BASE = 0x01000193; // odd, so powers never collapse to 0 modulo 2^32

let prefixHash = new Int32Array(1024);
let basePower = new Int32Array(1024);
let slotHash = new Int32Array(1024);
let slotStart = new Int32Array(1024);
let slotEnd = new Int32Array(1024);
let slotCount = new Int32Array(1024);
let slotFirstWord = new Int32Array(1024);

/** The index whose prefix hashes the shared buffers currently hold. */
let hashedFor: NGramIndex | null = null;

function ensureTextCapacity(chars: number): void {
  if (prefixHash.length > chars) return;
  const size = 1 << Math.ceil(Math.log2(chars + 1));
  prefixHash = new Int32Array(size);
  basePower = new Int32Array(size);
}

function ensureSlots(capacity: number): void {
  if (slotHash.length >= capacity) return;
  slotHash = new Int32Array(capacity);
  slotStart = new Int32Array(capacity);
  slotEnd = new Int32Array(capacity);
  slotCount = new Int32Array(capacity);
  slotFirstWord = new Int32Array(capacity);
}

/** Word n-grams of one document, as substrings of the words joined with `separator`. */
export class NGramIndex {
  private readonly joined: string;
  /** UTF-16 offset of word i in `joined`; offsets[words.length] = joined.length + separator length. */
  private readonly offsets: Int32Array;
  /** Code-point length prefix sums of the words (Python len()). */
  private readonly lengthPrefix: Float64Array;
  private readonly sepLength: number;

  constructor(
    words: readonly string[],
    wordLengths: readonly number[],
    separator: '' | ' ',
  ) {
    this.sepLength = separator.length;
    this.joined = words.join(separator);
    this.offsets = new Int32Array(words.length + 1);
    this.lengthPrefix = new Float64Array(words.length + 1);
    let at = 0;
    for (let i = 0; i < words.length; i++) {
      this.offsets[i] = at;
      at += words[i].length + this.sepLength;
      this.lengthPrefix[i + 1] = this.lengthPrefix[i] + wordLengths[i];
    }
    this.offsets[words.length] = at;
  }

  get wordCount(): number {
    return this.offsets.length - 1;
  }

  /** Python len() of n-gram i joined with the separator. */
  private ngramChars(i: number, n: number): number {
    return this.lengthPrefix[i + n] - this.lengthPrefix[i] + (n - 1) * this.sepLength;
  }

  private prepareHashes(): void {
    if (hashedFor === this) return;
    hashedFor = this;
    const s = this.joined;
    ensureTextCapacity(s.length + 1);
    prefixHash[0] = 0;
    basePower[0] = 1;
    for (let k = 0; k < s.length; k++) {
      prefixHash[k + 1] = (Math.imul(prefixHash[k], HASH_BASE) + s.charCodeAt(k)) | 0;
      basePower[k + 1] = Math.imul(basePower[k], HASH_BASE);
    }
  }

  private prepareSlots(ngrams: number): number {
    const capacity = 1 << Math.max(4, Math.ceil(Math.log2(ngrams * 2 + 1)));
    ensureSlots(capacity);
    slotStart.fill(-1, 0, capacity);
    return capacity - 1;
  }

  private sameText(a: number, b: number, length: number): boolean {
    const s = this.joined;
    for (let k = 0; k < length; k++) if (s.charCodeAt(a + k) !== s.charCodeAt(b + k)) return false;
    return true;
  }

  /** The slot holding n-gram i's text, inserting it (count 0) if new. */
  private slotOf(i: number, n: number, mask: number): number {
    const start = this.offsets[i];
    const end = this.offsets[i + n] - this.sepLength;
    const h = (prefixHash[end] - Math.imul(prefixHash[start], basePower[end - start])) | 0;
    let slot = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    for (;;) {
      slot &= mask;
      const s = slotStart[slot];
      if (s === -1) {
        slotHash[slot] = h;
        slotStart[slot] = start;
        slotEnd[slot] = end;
        slotCount[slot] = 0;
        slotFirstWord[slot] = i;
        return slot;
      }
      if (slotHash[slot] === h && slotEnd[slot] - s === end - start && this.sameText(s, start, end - start)) return slot;
      slot++;
    }
  }

  /**
   * Python len() of the most frequent n-gram times its count (every occurrence counted); among
   * equally frequent n-grams the one that occurs first wins, as Counter.most_common(1) picks the
   * first inserted. 0 when the document has fewer than n words.
   */
  topNGramChars(n: number): number {
    const ngrams = this.wordCount - n + 1;
    if (ngrams <= 0) return 0;
    this.prepareHashes();
    const mask = this.prepareSlots(ngrams);
    let best = -1;
    for (let i = 0; i < ngrams; i++) {
      const slot = this.slotOf(i, n, mask);
      const count = ++slotCount[slot];
      if (best === -1 || count > slotCount[best] || (count === slotCount[best] && slotFirstWord[slot] < slotFirstWord[best])) best = slot;
    }
    return this.ngramChars(slotFirstWord[best], n) * slotCount[best];
  }

  /**
   * Python len() summed over n-grams that repeat an earlier one, scanning left to right; after a
   * repeat the scan jumps n words, so counted repeats never overlap (datatrove find_all_duplicate).
   */
  duplicatedNGramChars(n: number): number {
    const ngrams = this.wordCount - n + 1;
    if (ngrams <= 0) return 0;
    this.prepareHashes();
    const mask = this.prepareSlots(ngrams);
    let repeated = 0;
    let i = 0;
    while (i < ngrams) {
      const slot = this.slotOf(i, n, mask);
      if (slotCount[slot] > 0) {
        repeated += this.ngramChars(i, n);
        i += n;
      } else {
        slotCount[slot] = 1;
        i++;
      }
    }
    return repeated;
  }
}
