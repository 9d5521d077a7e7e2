import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import manifest from '../package.json';
import { LANGUAGES, YAML_FILES, documentSelector } from '../src/common/languages';
import { isSupportedPython } from '../src/common/python';
import { describeStatus } from '../src/common/status';

describe('languages shared with Neovim', () => {
    it('activates on every language of the shared list', () => {
        for (const language of LANGUAGES) {
            assert.ok(manifest.activationEvents.includes(`onLanguage:${language}`), language);
        }
    });

    it('attaches YAML only to templates, copier manifests and answer files', () => {
        assert.deepEqual([...YAML_FILES].sort(), [
            '*.template-answers.yml',
            '.copier-answers.yml',
            'copier.yaml',
            'copier.yml',
            'template.yml',
        ]);
        const yaml = documentSelector().filter((filter) => filter.language === 'yaml');
        assert.deepEqual(yaml, [{ scheme: 'file', language: 'yaml', pattern: `**/{${YAML_FILES.join(',')}}` }]);
    });

    it("gives each folder of a multi-root workspace the folder's documents, and untitled ones to one of them", () => {
        const first = documentSelector('/ws/api', true);
        const second = documentSelector('/ws/web', false);
        assert.ok(first.every((filter) => filter.scheme === 'untitled' || filter.pattern?.startsWith('/ws/api/')));
        assert.ok(first.some((filter) => filter.scheme === 'untitled'));
        assert.ok(second.every((filter) => filter.scheme === 'file' && filter.pattern?.startsWith('/ws/web/')));
        assert.deepEqual(
            describeStatus({ state: 'ready', message: '', upgradesAvailable: 0 }, 'web').text,
            '$(check) Scion (web)',
        );
    });
});

describe('the Python version check', () => {
    it('accepts 3.11 and newer only', () => {
        assert.equal(isSupportedPython([3, 10]), false);
        assert.equal(isSupportedPython([3, 11]), true);
        assert.equal(isSupportedPython([3, 13]), true);
        assert.equal(isSupportedPython([4, 0]), true);
        assert.equal(isSupportedPython([2, 7]), false);
    });
});
