import { describe, expect, it } from 'vitest';
import { NexusError } from '../../shared/errors.js';
import { createDockerClient, DOCKER_NOT_RUNNING, dockerCall, dockerError, dockerTarget } from './client.js';

describe('dockerTarget', () => {
  it('reads DOCKER_HOST and sets every field, so docker-modem adds nothing of its own', () => {
    expect(dockerTarget({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }).options).toMatchObject({
      socketPath: '/run/user/1000/docker.sock',
      host: undefined,
    });
    expect(dockerTarget({ DOCKER_HOST: 'tcp://10.0.0.2:2375' }).options).toMatchObject({ host: '10.0.0.2', port: '2375', protocol: 'http', socketPath: undefined });
    expect(dockerTarget({ DOCKER_HOST: 'tcp://10.0.0.2:2376' }).options).toMatchObject({ protocol: 'https' });
    expect(dockerTarget({ DOCKER_HOST: 'ssh://me@box:2200' }).options).toMatchObject({ protocol: 'ssh', host: 'box', port: '2200', username: 'me' });
    const fallback = dockerTarget({}).options;
    expect(typeof fallback.socketPath).toBe('string');
  });
});

describe('dockerError', () => {
  const err = (code: string, message = code) => Object.assign(new Error(message), { code });

  it('an absent engine is the one standard sentence', () => {
    for (const e of [err('ECONNREFUSED'), err('ENOENT', 'connect ENOENT /var/run/docker.sock')]) {
      const mapped = dockerError(e);
      expect(mapped.code).toBe('docker_unavailable');
      expect(mapped.message).toBe(DOCKER_NOT_RUNNING);
    }
  });

  it('another cause says itself and what to do', () => {
    const denied = dockerError(err('EACCES', 'connect EACCES /var/run/docker.sock'), '/var/run/docker.sock');
    expect(denied.code).toBe('docker_unavailable');
    expect(denied.message).toMatch(/Permission denied on the Docker socket \(\/var\/run\/docker.sock\).*docker" group/);
    const api = dockerError(Object.assign(new Error('(HTTP code 409) unexpected - Conflict. The name is in use '), { statusCode: 409, json: { message: 'Conflict. The name is in use' } }));
    expect(api).toMatchObject({ code: 'conflict', message: 'Docker: Conflict. The name is in use' });
    expect(dockerError(Object.assign(new Error('x'), { statusCode: 404, json: { message: 'No such container: abc' } })).code).toBe('not_found');
  });

  it('a NexusError passes through unchanged', () => {
    const e = new NexusError('timeout', 'slow');
    expect(dockerError(e)).toBe(e);
  });
});

describe('dockerCall', () => {
  it('bounds a call that never answers', async () => {
    const started = Date.now();
    await expect(dockerCall('hang', () => new Promise(() => undefined), { timeoutMs: 200 })).rejects.toMatchObject({
      code: 'timeout',
      message: expect.stringMatching(/did not answer within 200 ms \(hang\)/),
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a caller abort is "cancelled"', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(dockerCall('wait', () => new Promise(() => undefined), { signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('a socket that does not exist is "Docker is not running" (a real request)', async () => {
    const { docker, target } = createDockerClient({ DOCKER_HOST: 'unix:///nonexistent.sock' });
    await expect(dockerCall('ping', () => docker.ping(), { target })).rejects.toMatchObject({
      code: 'docker_unavailable',
      message: DOCKER_NOT_RUNNING,
    });
  });
});
