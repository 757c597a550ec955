// A TCP connection read ahead of the HTTP client that consumes it: bytes are timed as they leave the kernel, and
// handed on once the thread has read all it can.
import net from "node:net";
import { performance } from "node:perf_hooks";
import { Duplex } from "node:stream";

/**
 * Reads go to regions of a slab shared by every connection on the thread, and a region is never written twice: the
 * parser's body chunks are views of it, and keep the slab alive while they are. With a buffer allocated for every
 * read (as Node's own socket does), this socket ran well behind Node's in a throughput run of 50 requests at once;
 * with the slab it kept level (0.87-0.95 of Node's requests per second). Node asks for the next read's buffer as
 * soon as a read is done and holds it until the next read, which may come after other connections' reads: so a
 * region is reserved when it is handed out, and what a read left unused is given back only if nothing was reserved
 * after it.
 */
const SLAB = 1024 * 1024;
let slab: Buffer | undefined;
let reserved = 0;

function reserve(size: number): Buffer {
  if (!slab || slab.length - reserved < size) {
    slab = Buffer.allocUnsafeSlow(SLAB);
    reserved = 0;
  }
  reserved += size;
  return slab.subarray(reserved - size, reserved);
}

/** Gives back the part of `region` after its first `length` bytes, if it was the last region reserved. */
function giveBack(region: Uint8Array, length: number): void {
  if (slab && region.buffer === slab.buffer && region.byteOffset + region.length === slab.byteOffset + reserved) reserved -= region.length - length;
}

/**
 * A connection's first read is offered 16 KiB (most answers fit); a read that fills its region makes the next one
 * four times larger, up to Node's own 64 KiB. A read that fills its region is followed at once by another in the
 * same poll, which gets what the sender put in the window the first one freed; a larger region, which the window
 * never fills, ended the poll after every read instead: a 1 MiB body's last byte was read 0.8-1.0 ms after the
 * target's last write with 256 KiB regions against 0.4-0.7 with 64 KiB (`bench/truth-read-ahead.ts`, twice each).
 */
const FIRST_READ = 16 * 1024;
const LARGEST_READ = 64 * 1024;
/** What a turn's reads bring, at least, for the connection to let a turn pass before handing them on (see `#handOn`). */
const BULK = 64 * 1024;
/** What a connection holds back at most, when its reads never pause for a turn: 4 MiB. */
const HANDED_AT_LEAST = 4 * 1024 * 1024;
/** Connections on this thread with reads not handed on yet. */
let connectionsHanding = 0;

/**
 * A connection whose reads run ahead of the client reading it.
 *
 * Node's own socket hands each read (64 KiB at most) straight to the HTTP parser, or to TLS, which decrypts it and
 * hands JavaScript one 16 KiB record at a time: on a large body the client's work on one read came before the next
 * read, so the last bytes of 1 MiB left the kernel 1.5-2 ms (http) and 2.5-3.7 ms (https) after the target's last
 * write, where this socket reads them 0.4-0.7 ms after it (`bench/truth-read-ahead.ts`). Every read is stamped as it
 * returns, and what the reads brought is handed on after the poll that read it (see `#handOn`), so every read the
 * kernel can serve comes before any parsing or decrypting. `arrivedAt` tells a listener of the
 * consumer's "data" when the bytes it is looking at left the kernel.
 *
 * Used as the HTTP client's socket (plain http) or as the transport under a TLS socket (`tls.connect({ socket })`),
 * so over TLS the encrypted bytes are the ones timed. The connection's own events ("lookup", "connectionAttempt",
 * "connect") are on `raw`.
 */
export class ReadAheadSocket extends Duplex {
  /** The TCP socket itself. */
  readonly raw: net.Socket;
  /**
   * When the bytes this socket is emitting now were read (`performance.now()`); NaN before the first. Whatever a
   * consumer does with them synchronously (TLS decrypting them into its own "data", the HTTP parser) sees their time.
   */
  arrivedAt = NaN;
  #reads: Buffer[] = [];
  /** For each read not yet wholly emitted: the count of bytes read once it was done, and when it returned. */
  #readEnds: Array<{ end: number; at: number }> = [];
  #readBytes = 0;
  #emittedBytes = 0;
  #pendingBytes = 0;
  #readSinceCheck = 0;
  #handing = false;
  #ended = false;

  constructor(options: net.TcpNetConnectOpts) {
    // The writing side ends only when the consumer ends it (TLS with its close_notify, once): ending it as the
    // reading side ended too made TLS's own end fail on a stream already finished.
    // Writes pass to the socket as they come: Node's HTTP client writes the request's head as a string.
    super({ allowHalfOpen: true, decodeStrings: false });
    let size = FIRST_READ;
    const callback = (length: number, into: Uint8Array) => {
      const at = performance.now();
      this.#readBytes += length;
      this.#readEnds.push({ end: this.#readBytes, at });
      this.#reads.push((into as Buffer).subarray(0, length));
      this.#pendingBytes += length;
      this.#readSinceCheck += length;
      if (length === into.length) size = Math.min(size * 4, LARGEST_READ);
      giveBack(into, length);
      this.#handOn();
      return true;
    };
    this.raw = net.connect({ ...options, onread: { buffer: () => reserve(size), callback } });
    this.raw.on("end", () => {
      this.#ended = true;
      this.#handOn();
    });
    // The system reports a reset only after the bytes that came before it: those are handed on first, so a complete
    // answer followed by a reset is still an answer, and a cut one says how far it got.
    this.raw.on("error", (error) => {
      if (this.#reads.length === 0) return this.destroy(error);
      this.#pushReads();
      setImmediate(() => this.destroy(error));
    });
    this.raw.on("close", () => {
      if (!this.#ended) setImmediate(() => this.destroy());
    });
  }

  /**
   * Hands on what the reads brought, in order, after the poll that read them (the check phase), or later: while no
   * other connection on the thread has reads waiting, only after a turn of the event loop that read nothing more, and
   * in a bulk transfer (a turn's reads bringing `BULK` or more) only after a turn that read less. A read frees window
   * for the sender, and a target often writes its headers and its body apart: the next bytes often come just after a
   * read returned short (so the poll stopped reading), and are then read on the next turn, before any work on what
   * came before. Waiting a turn on a busy thread costs latency (at 50 runs at once, a third of the throughput), hence
   * only then. A stream that never lets a turn pass is handed on every `HANDED_AT_LEAST` bytes.
   */
  #handOn() {
    if (this.#handing) return;
    this.#handing = true;
    connectionsHanding++;
    const check = () => {
      const wait = this.#readSinceCheck >= BULK || (this.#readSinceCheck > 0 && connectionsHanding === 1);
      if (wait && this.#pendingBytes < HANDED_AT_LEAST && !this.destroyed) {
        this.#readSinceCheck = 0;
        return setImmediate(check);
      }
      this.#handing = false;
      connectionsHanding--;
      this.#readSinceCheck = 0;
      this.#pushAll();
    };
    setImmediate(check);
  }

  /**
   * Hands on at once what the reads brought, and the end if it came: for a consumer about to give up (a run at its
   * deadline), so it judges every byte that arrived before it gave up, not only those the hand-on got to. Says
   * whether there was anything to hand on.
   */
  flush(): boolean {
    // Ended and still handing on: the end has not gone yet.
    const held = this.#reads.length > 0 || (this.#ended && this.#handing);
    this.#pushAll();
    return held;
  }

  /** Pushes what the reads brought, and the end if it came. */
  #pushAll() {
    this.#pushReads();
    if (this.#ended && !this.destroyed) this.push(null);
  }

  /** Pushes what the reads brought, in order, unless this socket is destroyed on the way. */
  #pushReads() {
    this.#pendingBytes = 0;
    for (const bytes of this.#reads.splice(0)) {
      if (this.destroyed) return;
      this.push(bytes);
    }
  }

  // Stamped as bytes are emitted rather than as they are pushed: a paused consumer (TLS under back-pressure) takes
  // them later, and must not see a later read's time on them. A chunk gets the time of the read that brought its
  // last byte.
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === "data") {
      this.#emittedBytes += (args[0] as Buffer).length;
      while (this.#readEnds.length > 1 && this.#readEnds[0]!.end < this.#emittedBytes) this.#readEnds.shift();
      this.arrivedAt = this.#readEnds[0]?.at ?? this.arrivedAt;
      if (this.#readEnds[0]?.end === this.#emittedBytes) this.#readEnds.shift();
    }
    return super.emit(event, ...args);
  }

  override _read() {}

  override _write(chunk: Buffer | string, encoding: BufferEncoding, callback: (error?: Error | null) => void) {
    // What is written once the socket's writing side is over goes nowhere: between a reset and this socket's own end
    // (see "error" above), and after the target closed, when the socket ends its own writing side and TLS still
    // writes its close_notify.
    if (this.raw.destroyed || this.raw.writableEnded) return callback();
    this.raw.write(chunk, encoding, callback);
  }

  override _final(callback: (error?: Error | null) => void) {
    if (!this.raw.writableEnded && !this.raw.destroyed) this.raw.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void) {
    this.raw.destroy();
    callback(error);
  }
}
