import { randomBytes } from 'node:crypto';

/** A kind of file the service recognises from its bytes. */
export interface FileType {
  /** the media type downloads are served with */
  contentType: string;
  /** the extension of stored names */
  extension: string;
}

/** How many leading bytes sniff() looks at; a shorter file is sniffed whole. */
export const SNIFF_BYTES = 512;

const JPEG: FileType = { contentType: 'image/jpeg', extension: 'jpg' };
const PNG: FileType = { contentType: 'image/png', extension: 'png' };
const GIF: FileType = { contentType: 'image/gif', extension: 'gif' };
const WEBP: FileType = { contentType: 'image/webp', extension: 'webp' };
const MP4: FileType = { contentType: 'video/mp4', extension: 'mp4' };
const QUICKTIME: FileType = { contentType: 'video/quicktime', extension: 'mov' };
const WEBM: FileType = { contentType: 'video/webm', extension: 'webm' };
const M4A: FileType = { contentType: 'audio/mp4', extension: 'm4a' };
const MP3: FileType = { contentType: 'audio/mpeg', extension: 'mp3' };
const OGG: FileType = { contentType: 'audio/ogg', extension: 'ogg' };
const WAV: FileType = { contentType: 'audio/wav', extension: 'wav' };
const AMR: FileType = { contentType: 'audio/amr', extension: 'amr' };
const PDF: FileType = { contentType: 'application/pdf', extension: 'pdf' };
const TEXT: FileType = { contentType: 'text/plain', extension: 'txt' };

/** Every type sniff() can return. */
export const FILE_TYPES: readonly FileType[] = [
  JPEG,
  PNG,
  GIF,
  WEBP,
  MP4,
  QUICKTIME,
  WEBM,
  M4A,
  MP3,
  OGG,
  WAV,
  AMR,
  PDF,
  TEXT,
];

/** The types accepted unless GIM_FILE_ALLOWED_TYPES says otherwise: images, common audio and video, PDF. */
export const DEFAULT_ALLOWED_TYPES: readonly string[] = [
  JPEG,
  PNG,
  GIF,
  WEBP,
  MP4,
  QUICKTIME,
  WEBM,
  M4A,
  MP3,
  OGG,
  PDF,
].map((type) => type.contentType);

// ISO base media (MP4 family) major brands: the four bytes after `ftyp`.
const MP4_BRANDS = new Set([
  'isom',
  'iso2',
  'iso4',
  'iso5',
  'iso6',
  'mp41',
  'mp42',
  'avc1',
  'dash',
  'M4V ',
  'MSNV',
]);
const M4A_BRANDS = new Set(['M4A ', 'M4B ']);

function ascii(head: Buffer, start: number, text: string): boolean {
  return head.length >= start + text.length && head.toString('latin1', start, start + text.length) === text;
}

function bytes(head: Buffer, start: number, expected: readonly number[]): boolean {
  return head.length >= start + expected.length && expected.every((byte, i) => head[start + i] === byte);
}

// An MPEG audio layer III frame header: 11 sync bits, a valid version, layer III, a valid bitrate and rate.
function isMp3Frame(head: Buffer): boolean {
  if (head.length < 4 || head[0] !== 0xff) return false;
  const b1 = head[1] ?? 0;
  const b2 = head[2] ?? 0;
  const syncAndLayer3 = (b1 & 0xe0) === 0xe0 && ((b1 >> 1) & 0x03) === 0x01;
  const version = (b1 >> 3) & 0x03;
  const bitrate = b2 >> 4;
  const sampleRate = (b2 >> 2) & 0x03;
  return syncAndLayer3 && version !== 0x01 && bitrate !== 0x0f && sampleRate !== 0x03;
}

function isoMediaType(head: Buffer): FileType | undefined {
  if (!ascii(head, 4, 'ftyp') || head.length < 12) return undefined;
  const brand = head.toString('latin1', 8, 12);
  if (M4A_BRANDS.has(brand)) return M4A;
  if (brand === 'qt  ') return QUICKTIME;
  return MP4_BRANDS.has(brand) ? MP4 : undefined;
}

// EBML (Matroska) header whose DocType, within the first bytes, is webm.
function isWebm(head: Buffer): boolean {
  return bytes(head, 0, [0x1a, 0x45, 0xdf, 0xa3]) && head.subarray(0, 64).includes('webm', 0, 'latin1');
}

// Text: valid UTF-8 (a sequence cut by the end of the sniffed bytes allowed) without control characters other
// than tab, line feed, form feed and carriage return.
function isText(head: Buffer, complete: boolean): boolean {
  if (head.length === 0) return false;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !complete });
  } catch {
    return false;
  }
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const allowedControl = code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d;
    if ((code < 0x20 && !allowedControl) || code === 0x7f) return false;
  }
  return true;
}

/**
 * The type of a file from its first bytes (at most SNIFF_BYTES; `complete` when they are the whole file), or
 * undefined when it is none of FILE_TYPES. Never looks at a name or a declared type.
 */
export function sniff(head: Buffer, complete = false): FileType | undefined {
  if (bytes(head, 0, [0xff, 0xd8, 0xff])) return JPEG;
  if (bytes(head, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return PNG;
  if (ascii(head, 0, 'GIF87a') || ascii(head, 0, 'GIF89a')) return GIF;
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) return WEBP;
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WAVE')) return WAV;
  if (ascii(head, 0, '%PDF-')) return PDF;
  if (ascii(head, 0, 'OggS')) return OGG;
  if (ascii(head, 0, '#!AMR\n')) return AMR;
  if (ascii(head, 0, 'ID3') || isMp3Frame(head)) return MP3;
  if (isWebm(head)) return WEBM;
  const iso = isoMediaType(head);
  if (iso) return iso;
  return isText(head, complete) ? TEXT : undefined;
}

/** What every stored name looks like: 32 lowercase hex digits (128 random bits), a dot, a known extension. */
export const FILE_NAME = new RegExp(
  `^[0-9a-f]{32}\\.(?:${FILE_TYPES.map((type) => type.extension).join('|')})$`,
);

/** A fresh, unguessable stored name for a file of `type`. */
export function newFileName(type: FileType): string {
  return `${randomBytes(16).toString('hex')}.${type.extension}`;
}
