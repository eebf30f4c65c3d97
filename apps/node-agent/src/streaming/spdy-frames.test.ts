import { describe, expect, it } from 'vitest';
import { inflateSync, deflateSync, constants } from 'node:zlib';
import { encodeData, encodeGoAway, encodePing, encodeRstStream, encodeSynReply, encodeSynStream, encodeWindowUpdate, FrameReader, SpdyProtocolError, type Frame } from './spdy-frames.js';
import { decodeHeaderBlock, encodeHeaderBlock, HeaderCompressor, HeaderDecompressor, SPDY_DICTIONARY } from './spdy-header-codec.js';

function readAll(bytes: Buffer, chunk = bytes.length): Frame[] {
  const r = new FrameReader();
  const out: Frame[] = [];
  for (let i = 0; i < bytes.length; i += chunk) {
    r.push(bytes.subarray(i, i + chunk));
    for (let f = r.next(); f; f = r.next()) out.push(f);
  }
  expect(r.buffered).toBe(0);
  return out;
}

describe('SPDY/3.1 frames', () => {
  it('round-trip every frame type, whole and fed one byte at a time', () => {
    const block = Buffer.from('compressed-header-bytes');
    const wire = Buffer.concat([
      encodeSynStream(1, block, { fin: true, priority: 2 }),
      encodeSynReply(1, block),
      encodeData(3, Buffer.from('hello')),
      encodeData(3, Buffer.alloc(0), true),
      encodeRstStream(5, 5),
      encodePing(7),
      encodeGoAway(9, 0),
      encodeWindowUpdate(3, 65536),
    ]);
    const want: Frame[] = [
      { type: 'syn_stream', streamId: 1, associatedId: 0, priority: 2, flags: 1, headerBlock: block },
      { type: 'syn_reply', streamId: 1, flags: 0, headerBlock: block },
      { type: 'data', streamId: 3, flags: 0, data: Buffer.from('hello') },
      { type: 'data', streamId: 3, flags: 1, data: Buffer.alloc(0) },
      { type: 'rst_stream', streamId: 5, status: 5 },
      { type: 'ping', id: 7 },
      { type: 'goaway', lastGoodStreamId: 9, status: 0 },
      { type: 'window_update', streamId: 3, delta: 65536 },
    ];
    expect(readAll(wire)).toEqual(want);
    expect(readAll(wire, 1)).toEqual(want);
  });

  it('lays out a control frame as SPDY/3 says: C bit, version 3, type, flags, 24-bit length', () => {
    expect(encodePing(0x01020304).toString('hex')).toBe('8003000600000004' + '01020304');
    expect(encodeData(1, Buffer.from('ab'), true).toString('hex')).toBe('00000001' + '01000002' + '6162');
  });

  it('refuses another SPDY version and a short control frame', () => {
    const v2 = encodePing(1);
    v2.writeUInt16BE(0x8002, 0);
    expect(() => readAll(v2)).toThrow(SpdyProtocolError);
    const short = Buffer.from('8003000300000004' + '00000001', 'hex'); // RST_STREAM needs 8 bytes
    expect(() => readAll(short)).toThrow(/RST_STREAM/);
  });

  it('ignores unknown control frame types (SPDY/3 2.2.1)', () => {
    expect(readAll(Buffer.from('8003000a00000002abcd', 'hex'))).toEqual([{ type: 'unknown', frameType: 10 }]);
  });
});

describe('SPDY/3 header blocks', () => {
  it('the dictionary is the 1423 bytes of the spec, starting with the length-prefixed "options" and ending "enq=0."', () => {
    expect(SPDY_DICTIONARY.length).toBe(1423);
    expect(SPDY_DICTIONARY.subarray(0, 11).toString('latin1')).toBe('\0\0\0\x07options');
    expect(SPDY_DICTIONARY.subarray(-9).toString('latin1')).toBe(',*,enq=0.');
  });

  it('encodes names lower-cased and multiple values NUL-joined', () => {
    const block = encodeHeaderBlock([['streamType', 'data'], ['X', ['a', 'b']]]);
    expect(block.toString('hex')).toBe('00000002' + '0000000a' + Buffer.from('streamtype').toString('hex') + '00000004' + Buffer.from('data').toString('hex') + '00000001' + '78' + '00000003' + '610062');
    expect(decodeHeaderBlock(block)).toEqual(new Map([['streamtype', ['data']], ['x', ['a', 'b']]]));
  });

  it('refuses a block whose lengths run past its end', () => {
    expect(() => decodeHeaderBlock(Buffer.from('00000001000000ff61', 'hex'))).toThrow(/ends inside a name/);
  });

  it('compresses blocks as one zlib stream with the dictionary, each block readable as soon as it arrives', async () => {
    const c = new HeaderCompressor();
    const d = new HeaderDecompressor();
    const wire: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const block = await c.compress([['streamType', i % 2 ? 'data' : 'error'], ['port', '8080'], ['requestID', String(i)]]);
      wire.push(block);
      expect(await d.decompress(block)).toEqual(new Map([['streamtype', [i % 2 ? 'data' : 'error']], ['port', ['8080']], ['requestid', [String(i)]]]));
    }
    // The stream names the dictionary (FDICT) by its Adler-32, so only a peer holding the same one can read it.
    expect(wire[0]![1]! & 0x20).toBe(0x20);
    expect(wire[0]!.readUInt32BE(2)).toBe(adler32(SPDY_DICTIONARY));
    // Later blocks lean on earlier ones: a fresh inflater cannot read block 5 alone.
    expect(() => inflateSync(wire[5]!, { dictionary: SPDY_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH })).toThrow();
    c.close();
    d.close();
  });

  it('reads a block another zlib wrote with the same dictionary (how Go\'s framer writes them)', async () => {
    const raw = encodeHeaderBlock([['streamtype', 'error'], ['port', '80'], ['requestid', '0']]);
    const foreign = deflateSync(raw, { dictionary: SPDY_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH, level: 9 });
    expect(await new HeaderDecompressor().decompress(foreign)).toEqual(new Map([['streamtype', ['error']], ['port', ['80']], ['requestid', ['0']]]));
  });

  it('rejects a block that is not zlib at all, and every block after it, instead of waiting forever', async () => {
    const d = new HeaderDecompressor();
    await expect(d.decompress(Buffer.from('not zlib at all'))).rejects.toThrow();
    await expect(d.decompress(Buffer.from('more'))).rejects.toThrow();
  });

  it('refuses a block that inflates past the limit (a zlib bomb)', async () => {
    const huge = encodeHeaderBlock([['x', 'a'.repeat(200_000)]]);
    const bomb = deflateSync(huge, { dictionary: SPDY_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
    expect(bomb.length).toBeLessThan(2000);
    await expect(new HeaderDecompressor().decompress(bomb)).rejects.toThrow(/more than/);
  });
});

function adler32(b: Buffer): number {
  let a = 1;
  let s = 0;
  for (const x of b) {
    a = (a + x) % 65521;
    s = (s + a) % 65521;
  }
  return ((s << 16) | a) >>> 0;
}
