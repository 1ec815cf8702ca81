import { column, defineEntity } from '../columns';

/** Which migrations of sql/migrations/<name>/ a database has had (table `schema_version`). */
export class SchemaVersionEntity {
  name!: string;
  version!: number;
  createdAt!: Date;
  updatedAt!: Date;
}

defineEntity(SchemaVersionEntity, {
  table: 'schema_version',
  columns: {
    name: column.varchar(32, 'schema: business or logic', { primary: true }),
    version: column.int('number of the last migration applied'),
    createdAt: column.createdAt(),
    updatedAt: column.updatedAt(),
  },
});
