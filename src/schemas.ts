/** The JSON Schemas published in schemas/, each generated from its zod source. */
import { z } from 'zod';
import { Flow } from './flow/schema.js';
import { Scenario } from './simulate/scenario.js';
import { CallbackBody } from './github/callbacks/token.js';
import { ErrorOutput, SimulationOutput, StatusOutput, ValidationOutput } from './cli/output-schema.js';
import { DiffOutput, DryRunOutput } from './cli/draft-output-schema.js';
import { RecordedFacts } from './release/facts-file.js';
import { PromotionOutput, VersionsOutput } from './cli/release-output-schema.js';

const toJson = (schema: z.ZodType): object => z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' });

export function publishedSchemas(): { file: string; schema: object }[] {
  return [
    { file: 'flow.schema.json', schema: toJson(Flow) },
    { file: 'scenario.schema.json', schema: toJson(Scenario) },
    { file: 'callback.schema.json', schema: toJson(CallbackBody) },
    { file: 'validation.schema.json', schema: z.toJSONSchema(ValidationOutput, { target: 'draft-2020-12', io: 'output' }) },
    { file: 'simulation.schema.json', schema: z.toJSONSchema(SimulationOutput, { target: 'draft-2020-12', io: 'output' }) },
    { file: 'status.schema.json', schema: z.toJSONSchema(StatusOutput, { target: 'draft-2020-12', io: 'output' }) },
    { file: 'error.schema.json', schema: z.toJSONSchema(ErrorOutput, { target: 'draft-2020-12', io: 'output' }) },
    { file: 'diff.schema.json', schema: z.toJSONSchema(DiffOutput, { target: 'draft-2020-12', io: 'output' }) },
    { file: 'dry-run.schema.json', schema: z.toJSONSchema(DryRunOutput, { target: 'draft-2020-12', io: 'output' }) },
    { file: 'dry-run-prs.schema.json', schema: toJson(RecordedFacts) },
    { file: 'versions.schema.json', schema: z.toJSONSchema(VersionsOutput, { target: 'draft-2020-12', io: 'output' }) },
    { file: 'promotion.schema.json', schema: z.toJSONSchema(PromotionOutput, { target: 'draft-2020-12', io: 'output' }) },
  ];
}
