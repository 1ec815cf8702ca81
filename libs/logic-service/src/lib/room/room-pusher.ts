import { metrics } from '@gim/ops';
import { ErrorCode, GimError } from '@gim/errors';
import { Appended, OVER_RATE, RoomEntry, RoomLog } from './room-log';

const roomStored = metrics.messagesStored.labels('room_history');

/** Settings of a RoomPusher. */
export interface RoomPusherOptions {
  /** How long a non-priority message may wait for others of its room, ms (0: never waits). */
  mergeMs: number;
  /**
   * Messages waiting in this process at most, those in an append that has not answered yet included; beyond it
   * a push is refused with 10501 (busy).
   */
  maxWaiting: number;
  /** Messages appended in one step at most. */
  maxBatch: number;
}

interface Waiting {
  entry: RoomEntry;
  resolve: (appended: Appended) => void;
  reject: (error: unknown) => void;
}

interface PendingRoom {
  channel: string;
  appId: number;
  roomId: number;
  waiting: Waiting[];
  timer: NodeJS.Timeout | undefined;
}

/**
 * Sends room messages through the RoomLog, merging a room's non-priority messages that arrive within
 * `mergeMs` into one append (one Redis call, one publish, one write per subscriber). A priority message takes
 * whatever of its room is waiting with it at once, so the room's order is the order of the calls. A user's
 * message over the sender's rate is refused with 10232.
 */
export class RoomPusher {
  private readonly pending = new Map<string, PendingRoom>();
  private waitingCount = 0;

  constructor(
    private readonly log: RoomLog,
    private readonly options: RoomPusherOptions,
  ) {}

  /** Appends one message to a room; resolves with its seq once it is in the history and published. */
  push(
    channel: string,
    appId: number,
    roomId: number,
    entry: RoomEntry,
    priority: boolean,
  ): Promise<Appended> {
    if (this.waitingCount >= this.options.maxWaiting) {
      return Promise.reject(
        new GimError(ErrorCode.Busy, 'server busy: too many room messages waiting; retry'),
      );
    }
    const key = `${appId}:${roomId}`;
    let room = this.pending.get(key);
    if (room === undefined) {
      room = { channel, appId, roomId, waiting: [], timer: undefined };
      this.pending.set(key, room);
    }
    const pendingRoom = room;
    const appended = new Promise<Appended>((resolve, reject) => {
      pendingRoom.waiting.push({ entry, resolve, reject });
    });
    this.waitingCount += 1;
    if (priority || this.options.mergeMs === 0 || room.waiting.length >= this.options.maxBatch) {
      this.flush(key, room);
    } else {
      room.timer ??= setTimeout(() => this.flush(key, pendingRoom), this.options.mergeMs);
    }
    return appended;
  }

  private flush(key: string, room: PendingRoom): void {
    if (room.timer !== undefined) clearTimeout(room.timer);
    this.pending.delete(key);
    const waiting = room.waiting;
    this.log
      .append(
        room.channel,
        room.appId,
        room.roomId,
        waiting.map((item) => item.entry),
      )
      .then(
        (results) => {
          this.waitingCount -= waiting.length;
          waiting.forEach((item, index) => {
            const result = results[index];
            if (result === undefined)
              item.reject(new Error(`the room log answered ${results.length} of ${waiting.length} messages`));
            else if (result === OVER_RATE) item.reject(overRate(item.entry));
            else {
              roomStored.inc();
              item.resolve(result);
            }
          });
        },
        (error: unknown) => {
          this.waitingCount -= waiting.length;
          waiting.forEach((item) => item.reject(error));
        },
      );
  }
}

function overRate(entry: RoomEntry): GimError {
  return new GimError(
    ErrorCode.RoomRateLimited,
    `too many room messages: at most ${entry.sender?.perSecond ?? 0} per second per user in a room; retry later`,
  );
}
