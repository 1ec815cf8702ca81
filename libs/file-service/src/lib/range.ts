/** Bytes start..end of a file, both included. */
export interface ByteRange {
  start: number;
  end: number;
}

/** What a Range header asks of a file: the whole file, one range of it, or something it cannot give (416). */
export type RangeRequest = { kind: 'whole' } | ({ kind: 'part' } & ByteRange) | { kind: 'unsatisfiable' };

const WHOLE: RangeRequest = { kind: 'whole' };
const UNSATISFIABLE: RangeRequest = { kind: 'unsatisfiable' };
const RANGE_SPEC = /^(\d*)-(\d*)$/;

/**
 * Reads a Range header against a file of `size` bytes. One `bytes=` range (`a-b`, `a-`, `-n`) is a part,
 * clipped to the file; a malformed `bytes=` value or a range that starts past the end is unsatisfiable.
 * No header, another unit, or several ranges ask for the whole file (RFC 9110 lets a server ignore Range).
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return WHOLE;
  const equals = header.indexOf('=');
  if (equals < 0 || header.slice(0, equals).trim().toLowerCase() !== 'bytes') return WHOLE;
  const specs = header
    .slice(equals + 1)
    .split(',')
    .map((spec) => spec.trim());
  if (specs.length > 1) return WHOLE;
  const match = RANGE_SPEC.exec(specs[0] ?? '');
  if (!match || size === 0) return UNSATISFIABLE;
  const [, first = '', last = ''] = match;
  if (first === '') {
    const suffix = Number(last);
    if (last === '' || suffix === 0) return UNSATISFIABLE;
    return { kind: 'part', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (!Number.isSafeInteger(start) || start >= size) return UNSATISFIABLE;
  if (last === '') return { kind: 'part', start, end: size - 1 };
  const end = Number(last);
  if (end < start) return UNSATISFIABLE;
  return { kind: 'part', start, end: Math.min(end, size - 1) };
}

function opaqueTag(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}

/** Whether an If-None-Match value names `etag` (weak comparison, `*` matching any). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => opaqueTag(tag) === etag);
}

/** The time an HTTP date names, to the second; undefined when it is not a date. */
function httpTime(value: string): number | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** Whether a GET or HEAD may be answered 304: If-None-Match names the tag, or, without it, nothing changed since If-Modified-Since. */
export function notModified(
  headers: { 'if-none-match'?: string; 'if-modified-since'?: string },
  etag: string,
  lastModified: Date,
): boolean {
  if (headers['if-none-match'] !== undefined) return etagMatches(headers['if-none-match'], etag);
  const since = headers['if-modified-since'];
  const sinceTime = since === undefined ? undefined : httpTime(since);
  return sinceTime !== undefined && Math.floor(lastModified.getTime() / 1000) <= sinceTime;
}

/** Whether a Range header applies: no If-Range, or one naming the current tag (strongly) or its exact date. */
export function rangeApplies(ifRange: string | undefined, etag: string, lastModified: Date): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"')) return value === etag;
  if (value.startsWith('W/')) return false;
  return httpTime(value) === Math.floor(lastModified.getTime() / 1000);
}
