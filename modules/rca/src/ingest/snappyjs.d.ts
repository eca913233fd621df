/** Types of `snappyjs` 0.7.0 (CommonJS, ships none): Snappy block-format compression. */
declare module "snappyjs" {
  /** Compresses `input` in Snappy's block format (not the framing format). */
  export function compress(input: Uint8Array): Uint8Array;
  /**
   * Decompresses a Snappy block; throws `Error("Invalid Snappy bitstream")` on a corrupt one and
   * an error naming both lengths when the declared length exceeds `maxLength`.
   */
  export function uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
  const snappy: { compress: typeof compress; uncompress: typeof uncompress };
  export default snappy;
}
