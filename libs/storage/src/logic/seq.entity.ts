import { column, defineEntity } from '../columns';

/** Kinds of objects that own a sequence (`seq.object_type`). */
export const SeqObjectType = { MessageIds: 0, User: 1 } as const;

/** A kind of object that owns a sequence. */
export type SeqObjectType = (typeof SeqObjectType)[keyof typeof SeqObjectType];

/** The durable counter of one object's sequence (table `seq`). */
export class SeqEntity {
  objectType!: number;
  objectId!: number;
  seq!: number;
  createdAt!: Date;
  updatedAt!: Date;
}

defineEntity(SeqEntity, {
  table: 'seq',
  columns: {
    objectType: column.tinyint('kind of object: 0 = message id counter (object_id 0), 1 = user', {
      primary: true,
      unsigned: true,
    }),
    objectId: column.u64('id of the object', { primary: true }),
    seq: column.u64('highest seq handed out', { default: 0 }),
    createdAt: column.createdAt(),
    updatedAt: column.updatedAt(),
  },
});
