// @ts-check
/**
 * TypeDoc plugin: shows each exported machine (`shardMachine`, …) with its named type (`ShardMachine`)
 * instead of the expansion of XState's inferred `StateMachine<…>`, whose thousand anonymous members
 * (action and guard signatures, config literals) are implementation, not API.
 */
import { Converter, Models } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    const aliases = project.getReflectionsByKind(Models.ReflectionKind.TypeAlias);
    for (const variable of project.getReflectionsByKind(Models.ReflectionKind.Variable)) {
      if (!(variable instanceof Models.DeclarationReflection) || !variable.name.endsWith('Machine')) continue;
      const typeName = variable.name[0]?.toUpperCase() + variable.name.slice(1);
      const alias = aliases.find((reflection) => reflection.name === typeName);
      if (alias === undefined || variable.type === undefined) continue;
      variable.type.visit(
        Models.makeRecursiveVisitor({ reflection: (type) => project.removeReflection(type.declaration) }),
      );
      variable.type = Models.ReferenceType.createResolvedReference(typeName, alias, project);
    }
  });
}
