import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commandDocument, ServerCommands } from '../src/common/serverCommands';
import { registeredCommands } from './fake-vscode';

describe('server commands in a multi-root workspace', () => {
    it("registers each folder's server commands once and routes every call", async () => {
        const calls: { command: string; args: unknown[] }[] = [];
        const commands = new ServerCommands((command, args) => {
            calls.push({ command, args });
            return Promise.resolve(`ran ${command}`);
        });
        // Two folders' servers list the same commands; a third start (a restart) lists them again.
        commands.add(['scion.generate', 'scion.stats']);
        commands.add(['scion.generate', 'scion.stats']);
        commands.add(['scion.generate', 'scion.stats', 'scion.evolve']);
        assert.deepEqual([...registeredCommands.keys()].sort(), ['scion.evolve', 'scion.generate', 'scion.stats']);

        const argument = { templateId: 'python/dataclass', uri: 'file:///ws/beta/record.py' };
        assert.equal(await registeredCommands.get('scion.generate')?.(argument), 'ran scion.generate');
        assert.deepEqual(calls, [{ command: 'scion.generate', args: [argument] }]);

        commands.dispose();
        assert.equal(registeredCommands.size, 0);
    });

    it('finds the document a command is about in its argument', () => {
        assert.equal(commandDocument([{ uri: 'file:///ws/beta/record.py', position: { line: 0 } }]), 'file:///ws/beta/record.py');
        assert.equal(commandDocument([{}]), undefined);
        assert.equal(commandDocument([]), undefined);
        assert.equal(commandDocument([{ uri: 3 }]), undefined);
        assert.equal(commandDocument(['file:///ws/a.py']), undefined);
    });
});
