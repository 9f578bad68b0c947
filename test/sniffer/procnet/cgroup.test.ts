import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { parseCgroup } from '../../../sniffer/procnet/cgroup.js'

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/cgroup/${name}`, import.meta.url), 'utf8')

test('cgroup v2, systemd driver: pod UID with underscores back to dashes, containerd scope', () => {
  assert.deepEqual(parseCgroup(fixture('v2-systemd')), {
    uid: '0d7f9a7c-5b1e-4c1a-9f3e-2a6b8c4d1e0f',
    containerId: '3f6b1c2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9'
  })
})

test('cgroup v1, cgroupfs driver: /kubepods/<qos>/pod<uid>/<container id>', () => {
  assert.deepEqual(parseCgroup(fixture('v1-cgroupfs')), {
    uid: '5c1e2d3f-aaaa-4bbb-8ccc-0123456789ab',
    containerId: 'aa11bb22cc33dd44ee55ff66007788990011223344556677889900aabbccddee'
  })
})

test('cgroup v1, systemd driver, Guaranteed QoS (no QoS slice), CRI-O scope', () => {
  assert.deepEqual(parseCgroup(fixture('v1-systemd-guaranteed')), {
    uid: '11111111-2222-3333-4444-555555555555',
    containerId: 'b'.repeat(64)
  })
})

test('a pod-level cgroup without a container (pause, or a process in the pod slice) gives the UID alone', () => {
  assert.deepEqual(parseCgroup('0::/kubepods/pod5c1e2d3f-aaaa-4bbb-8ccc-0123456789ab\n'), { uid: '5c1e2d3f-aaaa-4bbb-8ccc-0123456789ab' })
})

test('host services, other hierarchies and lookalikes are not pods', () => {
  assert.equal(parseCgroup(fixture('not-a-pod')), undefined)
  assert.equal(parseCgroup('0::/kubepods-fake/podnotauid\n'), undefined)
  assert.equal(parseCgroup('0::/user.slice/pod0d7f9a7c-5b1e-4c1a-9f3e-2a6b8c4d1e0f\n'), undefined)
  assert.equal(parseCgroup(''), undefined)
})
