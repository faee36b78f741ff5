import { pathOfTopic } from './topics';

describe('topics', () => {
  it('name the GET that answers what their events carry', () => {
    expect(pathOfTopic('overview')).toBe('/api/v1/overview');
    expect(pathOfTopic('jobs')).toBe('/api/v1/jobs?limit=50');
    expect(pathOfTopic('taskmanagers')).toBe('/api/v1/taskmanagers');
    expect(pathOfTopic('mesos')).toBe('/api/v1/mesos');
    expect(pathOfTopic(`job:${'c'.repeat(32)}`)).toBe(`/api/v1/jobs/${'c'.repeat(32)}`);
  });
});
