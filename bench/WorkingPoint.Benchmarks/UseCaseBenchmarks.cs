using BenchmarkDotNet.Attributes;
using WorkingPoint.Catalog;
using WorkingPoint.Catalog.UseCases;
using WorkingPoint.Core.Analysis;
using WorkingPoint.Core.Hardware;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Evaluation.UseCases;

namespace WorkingPoint.Benchmarks;

/// <summary>
/// Use-case evaluation. <see cref="SweepOf10000UseCases"/> evaluates 10,000 generated use cases (one to four workloads each:
/// catalog networks at random sizes, rates and duties, catalog LLMs at random request rates and lengths, random targets and
/// power/cost constraints; fixed seed) on one platform, without sensitivity: evaluations per second = 10,000 / Mean (s).
/// <see cref="SmartCameraWholeCatalog"/> is <c>wpt evaluate examples/smart-camera.yaml</c>'s work: every catalog platform,
/// sensitivity, ranking and scores, after the process has started.
/// </summary>
[MemoryDiagnoser]
public class UseCaseBenchmarks
{
    public const int UseCases = 10_000;

    private UseCaseEvaluator _evaluator = null!;
    private UseCase[] _useCases = null!;
    private Platform _platform = null!;
    private UseCase _smartCamera = null!;

    [GlobalSetup]
    public void Setup()
    {
        var catalog = Catalog.Catalog.BuiltIn;
        _evaluator = new UseCaseEvaluator(catalog);
        _platform = catalog.ResolvePlatform("jetson-orin-nano-8gb-super");
        _useCases = Generate(catalog, UseCases, seed: 7);
        _smartCamera = UseCaseYaml.Load(FindExample("smart-camera.yaml"), catalog);

        // Graphs are built once per (network, size) and cached, as in a real sweep: build them outside the timed region.
        foreach (var useCase in _useCases)
        {
            _evaluator.EvaluateOn(useCase, _platform);
        }
    }

    [Benchmark]
    public int SweepOf10000UseCases()
    {
        var feasible = 0;
        foreach (var useCase in _useCases)
        {
            feasible += _evaluator.EvaluateOn(useCase, _platform).Verdict == Verdict.Meets ? 1 : 0;
        }

        return feasible;
    }

    [Benchmark]
    public UseCaseReport SmartCameraWholeCatalog() => _evaluator.Evaluate(_smartCamera);

    /// <summary>Random but valid use cases drawn from the catalog, reproducible from the seed.</summary>
    public static UseCase[] Generate(Catalog.Catalog catalog, int count, int seed)
    {
        var random = new Random(seed);
        var networks = catalog.Models.OfType<GraphCatalogModel>().ToArray();
        var llms = catalog.Models.OfType<LlmCatalogModel>().Where(m => m.Architecture.Parameters < 4e9).ToArray();
        (int, int)[] sizes = [(320, 320), (640, 480), (640, 640), (1280, 720), (1920, 1080)];
        var result = new UseCase[count];
        for (var i = 0; i < count; i++)
        {
            var workloads = new List<UseCaseWorkload>();
            var n = random.Next(1, 5);
            for (var k = 0; k < n; k++)
            {
                if (random.NextDouble() < 0.6)
                {
                    var model = networks[random.Next(networks.Length)];
                    var (w, h) = sizes[random.Next(sizes.Length)];
                    var fps = random.Next(1, 61);
                    workloads.Add(new UseCaseWorkload($"w{k}", model, WeightFormat.Int8, ArrivalKind.Frames, fps, random.NextDouble() < 0.3 ? 0.1 : 1, [new InputShare(w, h, 1)], 0, new LlmScenario(), new WorkloadTargets(LatencyMs: random.Next(10, 200)), 1));
                }
                else
                {
                    var model = llms[random.Next(llms.Length)];
                    workloads.Add(new UseCaseWorkload($"w{k}", model, WeightFormat.Q4_0, ArrivalKind.Requests, 0, 1, [], random.Next(1, 120), new LlmScenario(random.Next(64, 1024), random.Next(16, 256)), new WorkloadTargets(TokensPerSecond: random.Next(2, 40), TimeToFirstTokenMs: random.Next(200, 5000)), 1));
                }
            }

            result[i] = new UseCase($"generated {i}", null, "generated", workloads, new UseCaseConstraints(SustainedPowerW: random.Next(3, 30), UnitCostUsd: random.Next(100, 1000)), new Priorities(), 24, null, UseCaseYaml.DefaultReference);
        }

        return result;
    }

    private static string FindExample(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "examples", name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException($"examples/{name} not found above {AppContext.BaseDirectory}; run the benchmarks from the repository.");
    }
}
