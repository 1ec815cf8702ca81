import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { dirname } from 'node:path';
import { parseDatabaseUrl } from './data-source';
import { schemaFilePath } from './schema';

void describe('parseDatabaseUrl', () => {
  void it('reads a mysql URL', () => {
    assert.deepEqual(parseDatabaseUrl('mysql://gim:secret@db.example:3307/gim'), {
      dialect: 'mysql',
      scheme: 'mysql',
      host: 'db.example',
      port: 3307,
      user: 'gim',
      password: 'secret',
      database: 'gim',
    });
  });

  void it('defaults the port to 3306 and the password to empty', () => {
    assert.deepEqual(parseDatabaseUrl('mariadb://root@127.0.0.1/gim_logic'), {
      dialect: 'mysql',
      scheme: 'mariadb',
      host: '127.0.0.1',
      port: 3306,
      user: 'root',
      password: '',
      database: 'gim_logic',
    });
  });

  void it('decodes percent-encoded credentials and accepts IPv6 hosts', () => {
    const target = parseDatabaseUrl('mysql://us%40er:p%3Aa%2Fss%40@[::1]:3306/gim');
    if (target.dialect !== 'mysql') assert.fail(`parsed as ${target.dialect}`);
    assert.equal(target.user, 'us@er');
    assert.equal(target.password, 'p:a/ss@');
    assert.equal(target.host, '::1');
  });

  void it('reads sqlite file paths and the in-memory form', () => {
    assert.deepEqual(parseDatabaseUrl('sqlite:data/gim.db'), { dialect: 'sqlite', path: 'data/gim.db' });
    assert.deepEqual(parseDatabaseUrl('sqlite:/var/lib/gim/gim.db'), {
      dialect: 'sqlite',
      path: '/var/lib/gim/gim.db',
    });
    assert.deepEqual(parseDatabaseUrl('sqlite:///var/lib/gim/gim.db'), {
      dialect: 'sqlite',
      path: '/var/lib/gim/gim.db',
    });
    assert.deepEqual(parseDatabaseUrl('sqlite::memory:'), { dialect: 'sqlite', path: ':memory:' });
  });

  const rejected: [string, string, RegExp][] = [
    ['an unknown scheme', 'postgres://u:p@h/db', /unsupported scheme "postgres"/],
    ['no scheme', 'localhost/gim', /no scheme/],
    ['an empty string', '', /no scheme/],
    ['an empty sqlite path', 'sqlite:', /needs a file path/],
    ['a missing database', 'mysql://root@127.0.0.1:3306', /no database name/],
    ['a nested path', 'mysql://root@127.0.0.1/a/b', /single database name/],
    ['a missing user', 'mysql://127.0.0.1/gim', /no user name/],
    ['query parameters', 'mysql://root@127.0.0.1/gim?ssl=true', /query parameters/],
    ['a bad port', 'mysql://root@127.0.0.1:99999/gim', /not a well-formed URL/],
  ];
  for (const [what, url, message] of rejected) {
    void it(`rejects ${what} with a clear error`, () => {
      assert.throws(
        () => parseDatabaseUrl(url),
        (error: Error) => {
          assert.match(error.message, message);
          assert.match(error.message, /expected mysql:\/\/user:pass@host:port\/db/);
          return true;
        },
      );
    });
  }

  void it('never repeats the password in an error', () => {
    assert.throws(
      () => parseDatabaseUrl('mysql://root:hunter2@127.0.0.1:3306'),
      (error: Error) => !error.message.includes('hunter2') && error.message.includes('root:***@'),
    );
  });
});

void describe('schemaFilePath', () => {
  const saved = process.env['GIM_SQL_DIR'];
  after(() => {
    if (saved === undefined) delete process.env['GIM_SQL_DIR'];
    else process.env['GIM_SQL_DIR'] = saved;
  });

  void it('finds sql/<name>.sql above the library', () => {
    delete process.env['GIM_SQL_DIR'];
    assert.match(schemaFilePath('logic'), /\/sql\/logic\.sql$/);
  });

  void it('prefers GIM_SQL_DIR and reports a missing file there', () => {
    delete process.env['GIM_SQL_DIR'];
    process.env['GIM_SQL_DIR'] = dirname(schemaFilePath('business'));
    assert.equal(schemaFilePath('business'), `${process.env['GIM_SQL_DIR']}/business.sql`);
    process.env['GIM_SQL_DIR'] = '/nonexistent-gim-sql';
    assert.throws(() => schemaFilePath('business'), /GIM_SQL_DIR is \/nonexistent-gim-sql/);
  });
});
