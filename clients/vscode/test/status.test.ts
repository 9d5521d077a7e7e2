import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeStatus, mergeStatus } from '../src/common/status';

describe('status bar', () => {
    it('shows the state and clicks through to the log', () => {
        const view = describeStatus({ state: 'ready', message: '', upgradesAvailable: 0 });
        assert.equal(view.text, '$(check) Scion');
        assert.equal(view.command, 'scion.showOutput');
        assert.match(view.tooltip, /ready/);
        assert.equal(describeStatus({ state: 'busy', message: 'indexing', upgradesAvailable: 0 }).text, '$(loading~spin) Scion');
        assert.match(
            describeStatus({ state: 'failed', message: 'no Python', upgradesAvailable: 0 }).tooltip,
            /failed \(no Python\)/,
        );
    });

    it('counts files with upgrades and clicks through to upgrade all', () => {
        const view = describeStatus({ state: 'ready', message: '', upgradesAvailable: 3 });
        assert.equal(view.text, '$(check) Scion $(arrow-up) 3');
        assert.equal(view.command, 'scion.upgradeAllFiles');
        assert.match(view.tooltip, /3 generated files have a template upgrade/);
        assert.match(describeStatus({ state: 'ready', message: '', upgradesAvailable: 1 }).tooltip, /1 generated file has/);
    });

    it('keeps what a scion/status notification leaves out', () => {
        const current = { state: 'ready' as const, message: 'x', upgradesAvailable: 2 };
        assert.deepEqual(mergeStatus(current, { state: 'busy' }), { state: 'busy', message: 'x', upgradesAvailable: 2 });
        assert.deepEqual(mergeStatus(current, { upgradesAvailable: 0, message: '' }), {
            state: 'ready',
            message: '',
            upgradesAvailable: 0,
        });
    });

    it('shows the team hub when one is configured', () => {
        const hub = { state: 'offline' as const, message: 'the hub cannot be reached', backlog: 3, team: 'shop', teamSize: 2 };
        const view = describeStatus({ state: 'ready', message: '', upgradesAvailable: 0, hub });
        assert.equal(view.text, '$(check) Scion $(cloud-offline)');
        assert.match(
            view.tooltip,
            /Team hub: offline \(team shop, 2 instances\), 3 waiting to be shared: the hub cannot be reached/,
        );
        const connected = describeStatus({
            state: 'ready',
            message: '',
            upgradesAvailable: 0,
            hub: { ...hub, state: 'connected', message: '', backlog: 0 },
        });
        assert.equal(connected.text, '$(check) Scion $(cloud)');
        const current = { state: 'ready' as const, message: '', upgradesAvailable: 0, hub };
        assert.deepEqual(mergeStatus(current, { state: 'stopped', message: '' }).hub, hub);
        assert.equal(mergeStatus(current, { state: 'ready', message: '', upgradesAvailable: 0 }).hub, undefined);
    });
});
