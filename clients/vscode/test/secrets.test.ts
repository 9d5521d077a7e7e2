import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { API_KEY_SECRET, migrateApiKey, withApiKey, type KeySettings } from '../src/common/secrets';
import { serverSettings } from '../src/common/settings';
import { ConfigurationTarget, FakeSecretStorage, setSettings } from './fake-vscode';

/** Settings files (user, workspace, folder) holding an API key, as `inspect` reports them. */
function keySettings(values: { globalValue?: string; workspaceValue?: string; workspaceFolderValue?: string }) {
    const removed: ConfigurationTarget[] = [];
    const settings: KeySettings = {
        inspect: <T>() => values as { globalValue?: T; workspaceValue?: T; workspaceFolderValue?: T },
        update: (_key: string, value: unknown, target: number) => {
            assert.equal(value, undefined);
            removed.push(target);
            return Promise.resolve();
        },
    };
    return { settings, removed };
}

describe('the LLM API key', () => {
    it('is moved from settings.json to the secret storage and removed from every settings file', async () => {
        const secrets = new FakeSecretStorage();
        const { settings, removed } = keySettings({ globalValue: 'sk-user', workspaceValue: ' sk-workspace ' });
        assert.equal(await migrateApiKey(secrets as never, settings), true);
        assert.equal(secrets.values.get(API_KEY_SECRET), 'sk-workspace', 'the most specific one wins');
        assert.deepEqual(removed.sort(), [ConfigurationTarget.Global, ConfigurationTarget.Workspace]);
    });

    it('leaves the secret storage alone when the settings hold no key', async () => {
        const secrets = new FakeSecretStorage();
        await secrets.store(API_KEY_SECRET, 'sk-kept');
        const { settings, removed } = keySettings({ globalValue: '' });
        assert.equal(await migrateApiKey(secrets as never, settings), false);
        assert.equal(secrets.values.get(API_KEY_SECRET), 'sk-kept');
        assert.deepEqual(removed, []);
    });

    it('reaches the server from the secret storage, never from the settings', () => {
        setSettings({
            'scion.llm.model': 'openai/gpt-4o-mini',
            'scion.llm.apiKey': 'sk-in-settings',
            'scion.trace.server': 'verbose',
        });
        const settings = serverSettings();
        assert.deepEqual(settings, { llm: { model: 'openai/gpt-4o-mini' } }, 'no key and no trace from settings.json');
        assert.deepEqual(withApiKey(settings, 'sk-secret'), { llm: { model: 'openai/gpt-4o-mini', apiKey: 'sk-secret' } });
        assert.deepEqual(withApiKey({}, undefined), {});
    });
});
