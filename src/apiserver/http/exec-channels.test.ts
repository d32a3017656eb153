import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exitStatus, frame, internalErrorStatus, parseClientMessage, pickProtocol } from './exec-channels.js';

describe('exec channel protocol', () => {
  it('frames a stream as its byte followed by the data', () => {
    assert.deepEqual([...frame(1, Buffer.from('hi\n'))], [1, 104, 105, 10]);
    assert.deepEqual([...frame(3)], [3]);
  });

  it('decodes stdin, resize and (v5 only) stream close', () => {
    assert.deepEqual(parseClientMessage(Buffer.from([0, 97, 98]), 'v5.channel.k8s.io'), { kind: 'stdin', data: Buffer.from('ab') });
    assert.deepEqual(parseClientMessage(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":100,"Height":30}')]), 'v4.channel.k8s.io'), { kind: 'resize', width: 100, height: 30 });
    assert.deepEqual(parseClientMessage(Buffer.from([255, 0]), 'v5.channel.k8s.io'), { kind: 'close', stream: 0 });
    assert.deepEqual(parseClientMessage(Buffer.from([255, 0]), 'v4.channel.k8s.io'), { kind: 'ignored' });
    assert.deepEqual(parseClientMessage(Buffer.from([4, 123]), 'v5.channel.k8s.io'), { kind: 'ignored' });
    assert.deepEqual(parseClientMessage(Buffer.alloc(0), 'v5.channel.k8s.io'), { kind: 'ignored' });
  });

  it('picks the first offered protocol it speaks, in the client order', () => {
    assert.equal(pickProtocol(['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io']), 'v5.channel.k8s.io');
    assert.equal(pickProtocol(['base64.channel.k8s.io', 'v4.channel.k8s.io']), 'v4.channel.k8s.io');
    assert.equal(pickProtocol(['channel.k8s.io']), undefined);
  });

  it('reports the exit as the kubelet does, byte for byte', () => {
    assert.equal(exitStatus(['sh', '-c', 'true'], 0), '{"metadata":{},"status":"Success"}');
    assert.equal(
      exitStatus(['sh', '-c', 'echo hi; exit 3'], 3),
      '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh -c echo hi; exit 3], exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}',
    );
    assert.equal(
      internalErrorStatus('boom'),
      '{"metadata":{},"status":"Failure","message":"Internal error occurred: boom","reason":"InternalError","details":{"causes":[{"message":"boom"}]},"code":500}',
    );
  });
});
