import type { IncomingMessage } from 'node:http'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { assertSafeBinding, createRequestGuard, isLoopbackHost, listAllowedHostNames, parseHostHeader } from '../../src/inspect/security.js'

/** Only the fields the guard reads; a request object is all it needs, no socket involved. */
function fakeRequest(headers: Record<string, string>, url = '/'): IncomingMessage {
  return { headers, url } as unknown as IncomingMessage
}

const binding = suite('live view binding')

binding('loopback addresses and names count as loopback', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', 'app.localhost', '::ffff:127.0.0.1']) {
    assert.ok(isLoopbackHost(host), host)
  }
})

binding('wildcard, private and public addresses do not count as loopback', () => {
  for (const host of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com', '128.0.0.1', 'localhost.example.com']) {
    assert.not.ok(isLoopbackHost(host), host)
  }
})

binding('a non-loopback bind without a token throws a TypeError that names the fix', () => {
  try {
    assertSafeBinding('0.0.0.0', undefined)
    assert.unreachable('should have thrown')
  } catch (error) {
    assert.instance(error, TypeError)
    assert.is(
      (error as TypeError).message,
      'createLiveView() cannot bind to "0.0.0.0" without a token: anyone who can reach that address could watch the cluster. Pass `token` (a long random string) or bind to 127.0.0.1.',
    )
  }
})

binding('a non-loopback bind with a token, or a loopback bind without one, is accepted', () => {
  assertSafeBinding('0.0.0.0', 'a-long-random-token')
  assertSafeBinding('127.0.0.1', undefined)
  assertSafeBinding('localhost', undefined)
})

// ---

const hosts = suite('Host header')

hosts('host names are read without port and brackets, in lower case', () => {
  assert.is(parseHostHeader('127.0.0.1:8080'), '127.0.0.1')
  assert.is(parseHostHeader('LocalHost'), 'localhost')
  assert.is(parseHostHeader('[::1]:9999'), '::1')
  assert.is(parseHostHeader('[::1]'), '::1')
})

hosts('missing or malformed Host headers are refused', () => {
  for (const value of [undefined, '', 'a b', 'evil.com/x', 'user@127.0.0.1', '[::1', '[::1]x', '127.0.0.1:port', '::1:80']) {
    assert.is(parseHostHeader(value), null, String(value))
  }
})

hosts('a loopback bind answers to loopback names only, plus the allowed hosts', () => {
  const names = listAllowedHostNames('127.0.0.1', ['Dashboard.Internal'])
  assert.ok(names.has('127.0.0.1'))
  assert.ok(names.has('localhost'))
  assert.ok(names.has('::1'))
  assert.ok(names.has('dashboard.internal'))
  assert.not.ok(names.has('evil.example'))
})

hosts("a wildcard bind also answers to this machine's own addresses", () => {
  const names = listAllowedHostNames('0.0.0.0')
  assert.ok(names.has('127.0.0.1'))
  assert.not.ok(names.has('evil.example'))
})

// ---

const guard = suite('request guard')

guard('a foreign Host header gets 403 before the token is looked at', () => {
  const check = createRequestGuard({ allowedHostNames: listAllowedHostNames('127.0.0.1'), token: 'tok' })
  const verdict = check(fakeRequest({ host: 'rebind.evil.example:4000' }, '/?token=tok'))
  assert.equal(verdict, {
    isAllowed: false,
    status: 403,
    message:
      'Forbidden: this live view does not answer to that Host header. Open it by its own address, or add the name to `allowedHosts`.',
  })
})

guard('a request without Host header gets 403', () => {
  const check = createRequestGuard({ allowedHostNames: listAllowedHostNames('127.0.0.1') })
  assert.is(check(fakeRequest({})).isAllowed, false)
})

guard('the token is accepted from the query, a bearer header or X-Xcluster-Token', () => {
  const check = createRequestGuard({ allowedHostNames: listAllowedHostNames('127.0.0.1'), token: 's3cret' })
  assert.equal(check(fakeRequest({ host: '127.0.0.1:1' }, '/events?token=s3cret')), { isAllowed: true })
  assert.equal(check(fakeRequest({ host: 'localhost:1', authorization: 'Bearer s3cret' })), { isAllowed: true })
  assert.equal(check(fakeRequest({ host: 'localhost:1', 'x-xcluster-token': 's3cret' })), { isAllowed: true })
})

guard('a missing or wrong token gets 401', () => {
  const check = createRequestGuard({ allowedHostNames: listAllowedHostNames('127.0.0.1'), token: 's3cret' })
  const expected = {
    isAllowed: false,
    status: 401,
    message: 'Unauthorized: this live view needs its token (?token=… or an `Authorization: Bearer …` header).',
  }
  assert.equal(check(fakeRequest({ host: '127.0.0.1:1' })), expected)
  assert.equal(check(fakeRequest({ host: '127.0.0.1:1' }, '/?token=s3cre')), expected)
  assert.equal(check(fakeRequest({ host: '127.0.0.1:1', authorization: 'Bearer s3cret-and-more' })), expected)
})

guard('without a token, a loopback Host is enough', () => {
  const check = createRequestGuard({ allowedHostNames: listAllowedHostNames('127.0.0.1') })
  assert.equal(check(fakeRequest({ host: '127.0.0.1:5555' })), { isAllowed: true })
})

binding.run()
hosts.run()
guard.run()
