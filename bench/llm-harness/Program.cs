using System.Diagnostics;
using System.Globalization;
using LLama.Native;
using WorkingPoint.Catalog;
using WorkingPoint.Core.Workloads;
using WorkingPoint.Gguf;
using WorkingPoint.Measurement.LlamaCpp;

// Usage: dotnet run -c Release --project bench/llm-harness -- [MODEL.gguf] [--prompt 256] [--gen 64] [--rounds 16] [--threads N]
// Without a file, Qwen2.5-0.5B in q4_0 is synthesized (random weights) into the temp directory first.
var arguments = args.ToList();
int Option(string name, int fallback)
{
    var i = arguments.IndexOf(name);
    return i >= 0 && i + 1 < arguments.Count ? int.Parse(arguments[i + 1], CultureInfo.InvariantCulture) : fallback;
}

var prompt = Option("--prompt", 256);
var gen = Option("--gen", 64);
var rounds = Option("--rounds", 16);
var threads = Option("--threads", Environment.ProcessorCount);
var path = arguments.FirstOrDefault(a => a.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase));
if (path is null)
{
    path = Path.Combine(Path.GetTempPath(), "wpt-harness-qwen2.5-0.5b-q4_0.gguf");
    if (!File.Exists(path))
    {
        var architecture = ((LlmCatalogModel)Catalog.BuiltIn.ResolveModel("qwen2.5-0.5b")).Architecture;
        GgufSynthesizer.Write(GgufSynthesizer.Plan(architecture, WeightFormat.Q4_0), path);
    }
}

var context = prompt + gen + 1;
Console.WriteLine($"{Path.GetFileName(path)}: pp{prompt} and tg{gen}, {threads} threads, {rounds} rounds, each round WorkingPoint then the minimal loop (order alternates).");

// One loaded model and context for both: two loaded copies of the same file differ by several percent in decode speed on
// their own (memory placement), which would swamp the overhead being measured.
using var harness = LlamaCppModel.Load(path, context, new LlamaCppOptions(threads));
var minimal = harness.NativeContext;
var vocabulary = harness.VocabSize;
var random = new Random(1234);
var batch = new LLamaBatch();

var settings = new LlmBenchSettings(prompt, gen, Repetitions: 1, Warmup: false, Combined: false);
// Two untimed rounds of each: caches, page tables and CPU frequency settle before anything counts.
for (var warm = 0; warm < 2; warm++)
{
    LlamaBench.Run(harness, settings with { Warmup = true });
    MinimalPrefill();
    MinimalGenerate();
}

var wp = (Pp: new List<double>(), Tg: new List<double>());
var direct = (Pp: new List<double>(), Tg: new List<double>());
for (var round = 0; round < rounds; round++)
{
    void Harness()
    {
        var result = LlamaBench.Run(harness, settings);
        wp.Pp.Add(result.Prompt!.MeanTokensPerSecond);
        wp.Tg.Add(result.Generation!.MeanTokensPerSecond);
    }

    void Direct()
    {
        direct.Pp.Add(prompt / MinimalPrefill());
        direct.Tg.Add(gen / MinimalGenerate());
    }

    if (round % 2 == 0)
    {
        Harness();
        Direct();
    }
    else
    {
        Direct();
        Harness();
    }

    Console.WriteLine($"round {round + 1}: WorkingPoint pp {wp.Pp[^1]:0.0} tg {wp.Tg[^1]:0.00} t/s | minimal pp {direct.Pp[^1]:0.0} tg {direct.Tg[^1]:0.00} t/s");
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

var ppRatio = Median(wp.Pp) / Median(direct.Pp);
var tgRatio = Median(wp.Tg) / Median(direct.Tg);
Console.WriteLine($"median pp{prompt}: WorkingPoint {Median(wp.Pp):0.0} t/s, minimal {Median(direct.Pp):0.0} t/s, ratio {ppRatio:0.000}");
Console.WriteLine($"median tg{gen}: WorkingPoint {Median(wp.Tg):0.00} t/s, minimal {Median(direct.Tg):0.00} t/s, ratio {tgRatio:0.000}");
var within = Math.Abs(ppRatio - 1) <= 0.03 && Math.Abs(tgRatio - 1) <= 0.03;
Console.WriteLine(within ? "Harness overhead within 3 %." : "Harness overhead NOT within 3 %.");
return within ? 0 : 1;

// The minimal loop: what any LLamaSharp program would write, with no WorkingPoint code in between.
double MinimalPrefill()
{
    minimal.NativeHandle.MemoryClear(true);
    batch.Clear();
    for (var i = 0; i < prompt; i++)
    {
        batch.Add(random.Next(vocabulary), i, LLamaSeqId.Zero, i == prompt - 1);
    }

    var clock = Stopwatch.StartNew();
    Check(minimal.NativeHandle.Decode(batch));
    minimal.NativeHandle.Synchronize();
    return clock.Elapsed.TotalSeconds;
}

double MinimalGenerate()
{
    minimal.NativeHandle.MemoryClear(true);
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < gen; i++)
    {
        batch.Clear();
        batch.Add(random.Next(vocabulary), i, LLamaSeqId.Zero, true);
        Check(minimal.NativeHandle.Decode(batch));
        minimal.NativeHandle.Synchronize();
    }

    return clock.Elapsed.TotalSeconds;
}

static void Check(DecodeResult result)
{
    if (result != DecodeResult.Ok)
    {
        throw new InvalidOperationException($"decode failed: {result}");
    }
}
