import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import {
    SETTING_KEYS,
    configuredPythonPath,
    debounce,
    nestSettings,
    onSettingsChanged,
    serverSettings,
} from '../src/common/settings';
import { setSettings } from './fake-vscode';

describe('settings', () => {
    it('contributes every setting of the LSP contract', () => {
        const contract = [
            'database.path',
            'templates.roots',
            'templates.trusted',
            'llm.model',
            'llm.apiBase',
            'llm.apiKey',
            'llm.timeout',
            'tracking.checkpoints',
            'tracking.keepThreshold',
            'evolution.enabled',
            'evolution.minExecutions',
            'evolution.minKeptRate',
            'evolution.hybridConfidence',
            'evolution.codeFirstConfidence',
            'evolution.minDecided',
            'evolution.improveBelow',
            'evolution.improveEditedAbove',
            'evolution.trialShare',
            'hub.url',
            'hub.share',
            'hub.pollInterval',
            'log.level',
            'server.pythonPath',
            'trace.server',
        ];
        assert.deepEqual([...SETTING_KEYS].sort(), contract.sort());
    });

    it('nests dotted keys and leaves out unset values', () => {
        assert.deepEqual(
            nestSettings({
                'tracking.checkpoints': [1, 2],
                'tracking.keepThreshold': 0.6,
                'llm.model': '',
                'llm.apiKey': undefined,
                'database.path': null,
                'evolution.enabled': false,
                'log.level': 'debug',
            }),
            { tracking: { checkpoints: [1, 2], keepThreshold: 0.6 }, evolution: { enabled: false }, log: { level: 'debug' } },
        );
    });

    it('sends the server settings but not the client-only pythonPath', () => {
        setSettings({
            'scion.server.pythonPath': ' /venv/bin/python ',
            'scion.tracking.checkpoints': [30, 120],
            'scion.llm.timeout': 5,
            'scion.templates.roots': ['/t'],
        });
        assert.deepEqual(serverSettings(), {
            tracking: { checkpoints: [30, 120] },
            llm: { timeout: 5 },
            templates: { roots: ['/t'] },
        });
        assert.equal(configuredPythonPath(), '/venv/bin/python');
        setSettings({});
        assert.equal(configuredPythonPath(), '');
    });

    it('debounces a burst of calls into one, with the last arguments', () => {
        mock.timers.enable({ apis: ['setTimeout'] });
        try {
            const calls: number[] = [];
            const debounced = debounce((n: number) => calls.push(n), 100);
            debounced(1);
            mock.timers.tick(60);
            debounced(2);
            mock.timers.tick(60);
            debounced(3);
            assert.deepEqual(calls, []);
            mock.timers.tick(100);
            assert.deepEqual(calls, [3]);
            debounced(4);
            debounced.cancel();
            mock.timers.tick(500);
            assert.deepEqual(calls, [3]);
        } finally {
            mock.timers.reset();
        }
    });

    it('restarts once after a burst of scion.* changes, and not for other sections', () => {
        mock.timers.enable({ apis: ['setTimeout'] });
        try {
            let restarts = 0;
            const watcher = onSettingsChanged(() => restarts++, 500);
            setSettings({ 'editor.fontSize': 14 });
            mock.timers.tick(1000);
            assert.equal(restarts, 0, 'not a scion setting');
            setSettings({ 'editor.fontSize': 14, 'scion.llm.model': 'a' });
            mock.timers.tick(200);
            setSettings({ 'editor.fontSize': 14, 'scion.llm.model': 'ab' });
            mock.timers.tick(200);
            setSettings({ 'editor.fontSize': 14, 'scion.llm.model': 'abc' });
            mock.timers.tick(499);
            assert.equal(restarts, 0);
            mock.timers.tick(1);
            assert.equal(restarts, 1);
            setSettings({ 'scion.llm.model': 'abcd' });
            watcher.dispose();
            mock.timers.tick(1000);
            assert.equal(restarts, 1, 'a disposed watcher does not fire');
        } finally {
            mock.timers.reset();
            setSettings({});
        }
    });
});
