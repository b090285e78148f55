using BenchmarkDotNet.Attributes;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Core.Workloads.Graphs;

namespace WorkingPoint.Benchmarks;

/// <summary>
/// The cost of one prediction. Workloads, graphs and ceilings are built once in <see cref="Setup"/>, as a sweep would build them
/// once and predict many times; 1e9 / Mean (ns) is predictions per second on one core.
/// </summary>
[MemoryDiagnoser]
public class PredictorBenchmarks
{
    private Ceilings _ceilings = null!;
    private LlmWorkload _llama = null!;
    private Graph _yolov8s = null!;
    private LlmScenario _scenario = null!;

    [GlobalSetup]
    public void Setup()
    {
        _ceilings = new Ceilings(BenchmarkPlatforms.OrinNanoLike());
        _llama = new LlmWorkload(BenchmarkPlatforms.Llama32_1B(), WeightFormat.Q4_0, KvCacheFormat.F16);
        _yolov8s = ModelZoo.GraphModels.Single(m => m.Id == "yolov8s").Build();
        _scenario = new LlmScenario(PromptTokens: 512, GeneratedTokens: 128, Batch: 1);
    }

    /// <summary>One decode step of Llama-3.2-1B Q4_0 at 1024 tokens of context, batch 1.</summary>
    [Benchmark]
    public StepCost LlmDecodeStep() => LlmPredictor.DecodeStep(_llama, _ceilings, context: 1024, batch: 1);

    /// <summary>A whole request (prefill of 512 tokens, 128 generated): prefill, decode, memory fit, power and energy.</summary>
    [Benchmark]
    public LlmPrediction LlmPredict() => LlmPredictor.Predict(_llama, _ceilings, _scenario);

    /// <summary>YOLOv8s at 640×640, int8, batch 1: a roofline per layer plus residence, power and bottleneck.</summary>
    [Benchmark]
    public GraphPrediction Yolov8sPerLayer() => GraphPredictor.Predict(_yolov8s, _ceilings, WeightFormat.Int8);
}
