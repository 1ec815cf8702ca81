import {
  EntitySchema,
  type EntitySchemaColumnOptions,
  type EntitySchemaOptions,
  type ValueTransformer,
} from 'typeorm';

/** The SQL engines gim stores data in: MySQL/MariaDB (cluster) or SQLite (standalone). */
export type Dialect = 'mysql' | 'sqlite';

/** A class whose instances are rows of one table. */
export type EntityClass<T extends object = object> = new () => T;

/** Builds one column's TypeORM options for a dialect. */
export type ColumnSpec = (dialect: Dialect) => EntitySchemaColumnOptions;

/** How one table maps onto the fields of its entity class. */
export interface TableSpec<T extends object> {
  table: string;
  columns: { [K in keyof T]-?: ColumnSpec };
  indices?: readonly { name: string; columns: readonly (keyof T & string)[]; unique?: boolean }[];
}

type SchemaFactory = (dialect: Dialect) => EntitySchema;

const schemaFactories = new Map<EntityClass, SchemaFactory>();

/** Registers the table of an entity class; createDataSource turns it into the schema for its dialect. */
export function defineEntity<T extends object>(target: EntityClass<T>, spec: TableSpec<T>): void {
  schemaFactories.set(target, (dialect) => {
    const columns: Record<string, EntitySchemaColumnOptions> = {};
    for (const [property, build] of Object.entries<ColumnSpec>(spec.columns)) {
      columns[property] = { name: snakeCase(property), ...build(dialect) };
    }
    return new EntitySchema<T>({
      name: target.name,
      target,
      tableName: spec.table,
      columns: columns as EntitySchemaOptions<T>['columns'],
      indices: (spec.indices ?? []).map((index) => ({
        name: index.name,
        columns: [...index.columns],
        unique: index.unique ?? false,
      })),
    });
  });
}

/** The TypeORM entity list for a dialect: classes registered with defineEntity become their dialect's schema. */
export function entitySchemasFor(
  entities: readonly (EntityClass | EntitySchema)[],
  dialect: Dialect,
): (EntityClass | EntitySchema)[] {
  return entities.map((entity) => {
    if (entity instanceof EntitySchema) return entity;
    const factory = schemaFactories.get(entity);
    return factory ? factory(dialect) : entity;
  });
}

function snakeCase(property: string): string {
  return property.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function toSafeNumber(value: unknown): unknown {
  if (typeof value === 'number' || value === null || value === undefined) return value;
  if (typeof value === 'string' || typeof value === 'bigint') {
    const result = Number(value);
    if (!Number.isSafeInteger(result)) {
      throw new RangeError(
        `BIGINT value ${String(value)} cannot be read as a JavaScript number without loss`,
      );
    }
    return result;
  }
  return value;
}

/** Reads BIGINT values as JS numbers whatever the driver hands back (mysql2 gives strings for large values). */
export const bigintAsNumber: ValueTransformer = {
  to: (value: unknown) => value,
  from: toSafeNumber,
};

const mysqlOnly = (
  dialect: Dialect,
  options: Partial<EntitySchemaColumnOptions>,
): Partial<EntitySchemaColumnOptions> => (dialect === 'mysql' ? options : {});

const withDefault = (value: number | string | undefined): Partial<EntitySchemaColumnOptions> =>
  value === undefined ? {} : { default: value };

const SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now')";
const MYSQL_NOW = 'CURRENT_TIMESTAMP(3)';

/** Column builders shared by every entity; each hides the differences between MySQL and SQLite. */
export const column = {
  /** Auto-increment BIGINT UNSIGNED primary key (INTEGER on SQLite, the only type AUTOINCREMENT accepts). */
  autoId:
    (comment: string): ColumnSpec =>
    (dialect) => ({
      type: dialect === 'mysql' ? 'bigint' : 'integer',
      ...mysqlOnly(dialect, { unsigned: true }),
      primary: true,
      generated: 'increment',
      comment,
      transformer: bigintAsNumber,
    }),

  /** BIGINT UNSIGNED read as a number. */
  u64:
    (
      comment: string,
      options: { primary?: boolean; default?: number; nullable?: boolean } = {},
    ): ColumnSpec =>
    (dialect) => ({
      type: 'bigint',
      ...mysqlOnly(dialect, { unsigned: true }),
      primary: options.primary ?? false,
      nullable: options.nullable ?? false,
      ...withDefault(options.default),
      comment,
      transformer: bigintAsNumber,
    }),

  /** TINYINT, signed unless told otherwise. */
  tinyint:
    (
      comment: string,
      options: { primary?: boolean; unsigned?: boolean; default?: number } = {},
    ): ColumnSpec =>
    (dialect) => ({
      type: 'tinyint',
      ...mysqlOnly(dialect, { unsigned: options.unsigned ?? false }),
      primary: options.primary ?? false,
      ...withDefault(options.default),
      comment,
    }),

  /** Signed 32-bit INT. */
  int:
    (comment: string, options: { default?: number } = {}): ColumnSpec =>
    () => ({ type: 'int', ...withDefault(options.default), comment }),

  /** VARCHAR(length). */
  varchar:
    (
      length: number,
      comment: string,
      options: { primary?: boolean; default?: string; nullable?: boolean } = {},
    ): ColumnSpec =>
    () => ({
      type: 'varchar',
      length,
      primary: options.primary ?? false,
      nullable: options.nullable ?? false,
      ...withDefault(options.default),
      comment,
    }),

  /** MEDIUMBLOB (up to 16 MiB) on MySQL, BLOB on SQLite; read as a Buffer. */
  mediumBlob:
    (comment: string): ColumnSpec =>
    (dialect) => ({ type: dialect === 'mysql' ? 'mediumblob' : 'blob', comment }),

  /** Fixed-length BINARY(length) on MySQL, BLOB on SQLite; read as a Buffer. */
  binary:
    (length: number, comment: string, options: { primary?: boolean } = {}): ColumnSpec =>
    (dialect) => ({
      ...(dialect === 'mysql' ? { type: 'binary', length } : { type: 'blob' }),
      primary: options.primary ?? false,
      comment,
    }),

  /** DATETIME(3) in UTC, without a default. */
  datetime:
    (comment: string): ColumnSpec =>
    (dialect) => ({ type: 'datetime', ...mysqlOnly(dialect, { precision: 3 }), comment }),

  /** created_at: set by the database when the row is inserted. */
  createdAt: (): ColumnSpec => (dialect) => ({
    type: 'datetime',
    createDate: true,
    ...(dialect === 'mysql' ? { precision: 3, default: () => MYSQL_NOW } : { default: () => SQLITE_NOW }),
    comment: 'creation time (UTC)',
  }),

  /** updated_at: set by the database on insert and on every update (ON UPDATE; a trigger on SQLite). */
  updatedAt: (): ColumnSpec => (dialect) => ({
    type: 'datetime',
    ...(dialect === 'mysql'
      ? { precision: 3, default: () => MYSQL_NOW, onUpdate: MYSQL_NOW }
      : { default: () => SQLITE_NOW, onUpdate: SQLITE_NOW }),
    comment: 'last update time (UTC)',
  }),
};
