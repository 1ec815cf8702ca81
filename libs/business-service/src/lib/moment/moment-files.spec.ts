import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FileUrls } from './moment-files';

void describe('FileUrls', () => {
  const urls = new FileUrls('https://files.example.com/', '10.0.0.5:8085');
  const name = '0123456789abcdef0123456789abcdef.png';

  void it('takes the name from a URL under the public base, and builds the same URL back', () => {
    assert.equal(urls.nameOf(`https://files.example.com/file/${name}`), name);
    assert.equal(urls.urlOf(name), `https://files.example.com/file/${name}`);
  });

  void it('refuses every other URL: other hosts and schemes, look-alike hosts, other paths, extra segments', () => {
    for (const url of [
      `https://evil.example/file/${name}`,
      `http://files.example.com/file/${name}`,
      `https://files.example.com.evil.example/file/${name}`,
      `https://files.example.com@evil.example/file/${name}`,
      `https://files.example.com:8443/file/${name}`,
      `/file/${name}`,
      `https://files.example.com/files/${name}`,
      'https://files.example.com/file/',
      `https://files.example.com/file/a/${name}`,
      `https://files.example.com/file/${name}?x=1`,
      `https://files.example.com/file/${name}#x`,
    ])
      assert.equal(urls.nameOf(url), undefined, url);
  });

  void it("uses http://<file app address> when no public base is set, as the file app's own default", () => {
    const local = new FileUrls('', '127.0.0.1:8085');
    assert.equal(local.urlOf(name), `http://127.0.0.1:8085/file/${name}`);
    assert.equal(local.nameOf(`http://127.0.0.1:8085/file/${name}`), name);
  });

  void it('accepts a path as the base, for relative URLs', () => {
    const relative = new FileUrls('/chat', '127.0.0.1:8085');
    assert.equal(relative.nameOf(`/chat/file/${name}`), name);
    assert.equal(relative.nameOf(`/file/${name}`), undefined);
    assert.equal(relative.urlOf(name), `/chat/file/${name}`);
  });
});
