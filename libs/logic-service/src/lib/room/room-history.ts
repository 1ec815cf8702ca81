import { Message } from '@gim/protocol';
import { RoomLog, RoomWindow } from './room-log';

/** History messages per page when the gateway asks for 0, and at most. */
const PAGE_DEFAULT = 200;
const PAGE_MAX = 1000;
/** Bytes of messages per history page at most (a page always holds at least one). */
const PAGE_MAX_BYTES = 1024 * 1024;

/** A page of a room's history for a catching-up connection. */
export interface RoomHistoryPage {
  messages: Message[];
  hasMore: boolean;
  firstSeq: number;
  lastSeq: number;
  /** messages after the asked seq are gone */
  missed: boolean;
  /** ...because the history itself was lost, not aged out */
  lost: boolean;
}

/**
 * The messages after `after` still in a room's history, for a joining connection; 0 asks for none (live only).
 * A seq the history no longer reaches (aged out), or one from a history that was lost (the room's seqs restarted
 * above it, or the room has no state), is answered with `missed` and the whole history.
 */
export async function readRoomHistory(
  log: RoomLog,
  appId: number,
  roomId: number,
  after: number,
  limit: number,
): Promise<RoomHistoryPage> {
  if (after === 0) return page(await log.read(appId, roomId, 0, 0), 0, false);
  const size = Math.min(limit === 0 ? PAGE_DEFAULT : limit, PAGE_MAX);
  let window = await log.read(appId, roomId, after, size);
  const lost = window.last === 0 || after > window.last || after < window.base - 1;
  if (lost && after > window.last && window.length > 0) window = await log.read(appId, roomId, 0, size);
  return page(window, after, lost);
}

function page(window: RoomWindow, after: number, lost: boolean): RoomHistoryPage {
  const firstSeq = window.last - window.length + 1;
  const missed = after !== 0 && (lost || after + 1 < firstSeq);
  const start = missed ? firstSeq - 1 : Math.max(after, firstSeq - 1);
  const messages: Message[] = [];
  let bytes = 0;
  for (const encoded of window.messages) {
    if (messages.length > 0 && bytes + encoded.length > PAGE_MAX_BYTES) break;
    bytes += encoded.length;
    messages.push(Message.decode(encoded));
  }
  const available = after === 0 ? 0 : Math.max(0, window.last - start);
  return {
    messages,
    hasMore: messages.length < available,
    firstSeq,
    lastSeq: window.last,
    missed,
    lost: missed && lost,
  };
}
