// cptflow quality filtering: datatrove's FineWeb heuristics, framework-free.
export { QualityPipeline, FINEWEB_PIPELINE_CONFIG, FINEWEB_FILTER_ORDER, QualityConfigError } from './pipeline';
export type { QualityPipelineConfig, QualityFilterName, FilterSettings, PipelineVerdict, QualityCounts } from './pipeline';
export { GopherRepetitionFilter, GOPHER_REPETITION_DEFAULTS } from './filters/gopher-repetition';
export type { GopherRepetitionOptions } from './filters/gopher-repetition';
export { GopherQualityFilter, GOPHER_QUALITY_DEFAULTS } from './filters/gopher-quality';
export type { GopherQualityOptions } from './filters/gopher-quality';
export { C4QualityFilter, C4_QUALITY_DEFAULTS, FINEWEB_C4_OPTIONS } from './filters/c4-quality';
export type { C4QualityOptions, C4LineStats } from './filters/c4-quality';
export { FineWebQualityFilter, FINEWEB_QUALITY_DEFAULTS } from './filters/fineweb-quality';
export type { FineWebQualityOptions } from './filters/fineweb-quality';
export { TextView } from './verdict';
export type { QualityFilter, FilterVerdict, RejectionReason } from './verdict';
export type { DocumentScorer } from './scorer';
export { scoreRejection } from './scorer';
