import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
    errorMessage,
    formatSuccessRate,
    fromServer,
    sortTemplates,
    summarizeEvolution,
    summarizeUpgrade,
    templateItem,
} from '../src/common/commands';

describe('commands', () => {
    it('tells a failure the server answered (and has shown) from one in the client', () => {
        // The shape of vscode-languageclient's ResponseError: an Error with a JSON-RPC code.
        const answered = Object.assign(new Error('scion.upgrade: `uri` should be a document URI'), { code: -32602 });
        assert.equal(fromServer(answered), true);
        assert.equal(errorMessage(answered), 'scion.upgrade: `uri` should be a document URI');
        assert.equal(fromServer(new Error('the Scion server is not running')), false);
        assert.equal(fromServer('text'), false);
    });

    it('formats success rates', () => {
        assert.equal(formatSuccessRate(0.866, 15), 'kept 87% of 15');
        assert.equal(formatSuccessRate(null, 0), 'no decided generations yet');
        assert.equal(formatSuccessRate(undefined, undefined), 'no decided generations yet');
    });

    it('lists templates best kept first, undecided last', () => {
        const sorted = sortTemplates([
            { id: 'a', version: '1', title: 'Beta', successRate: null, decided: 0 },
            { id: 'b', version: '1', title: 'Alpha', successRate: 0.5, decided: 10 },
            { id: 'c', version: '1', title: 'Gamma', successRate: 0.9, decided: 10 },
            { id: 'd', version: '1', title: 'Aardvark', successRate: null, decided: 0 },
        ]);
        assert.deepEqual(
            sorted.map((t) => t.id),
            ['c', 'b', 'd', 'a'],
        );
    });

    it('shows id, version, rate and description in a pick item', () => {
        const item = templateItem({
            id: 'python/dataclass',
            version: '1.1.0',
            title: 'Python dataclass',
            description: 'A dataclass',
            successRate: 0.75,
            decided: 4,
        });
        assert.equal(item.label, 'Python dataclass');
        assert.equal(item.description, 'python/dataclass 1.1.0');
        assert.equal(item.detail, 'kept 75% of 4 · A dataclass');
    });

    it('summarizes upgradeAll with counts or lists', () => {
        assert.equal(
            summarizeUpgrade({ upgraded: ['a', 'b'], unchanged: 1, conflicted: [], failed: 0 }),
            'Upgraded 2, unchanged 1, conflicted 0, skipped 0, failed 0',
        );
        assert.equal(summarizeUpgrade(null), 'Upgraded 0, unchanged 0, conflicted 0, skipped 0, failed 0');
    });

    it('summarizes an evolution run', () => {
        assert.equal(
            summarizeEvolution({
                dryRun: false,
                cancelled: false,
                seconds: 0.42,
                tasks: [{}, {}, {}],
                promoted: 1,
                demoted: 0,
                programs: 2,
            }),
            'Evolution finished in 0.4 s: 3 tasks checked, 1 promoted, 0 demoted, 2 new programs.',
        );
        assert.equal(
            summarizeEvolution({ dryRun: true, tasks: [{}], programs: 1 }),
            'Evolution dry run finished: 1 task checked, 0 promoted, 0 demoted, 1 new program.',
        );
        assert.match(summarizeEvolution({ cancelled: true }), /^Evolution cancelled: /);
        assert.equal(summarizeEvolution(null), 'Evolution finished.');
    });
});
