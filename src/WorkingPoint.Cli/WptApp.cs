using Spectre.Console;
using Spectre.Console.Cli;
using WorkingPoint.Core;
using WorkingPoint.Cli.Commands;

namespace WorkingPoint.Cli;

/// <summary>
/// The <c>wpt</c> command tree. A user's error becomes one line on stderr and exit code 2; a bug becomes one line saying so,
/// with the trace in a file, and exit code 70. No stack trace reaches the terminal; nothing is half-written.
/// </summary>
public static class WptApp
{
    public const int ErrorExitCode = 2;

    public static int Run(string[] args, IAnsiConsole console, TextWriter errors, CancellationToken cancellation = default) =>
        Run(args, console, errors, WorkingPoint.Catalog.Catalog.BuiltIn, cancellation);

    /// <summary>
    /// The composition root: the catalog every command works with is handed to the commands here (constructor injection), so the
    /// libraries underneath never reach for the built-in one themselves.
    /// </summary>
    /// <param name="cancellation">Cancelled by Ctrl-C or SIGTERM (<see cref="Interrupts"/>): a measurement stops, saves what it got, and the exit code is 130.</param>
    public static int Run(string[] args, IAnsiConsole console, TextWriter errors, WorkingPoint.Catalog.Catalog catalog, CancellationToken cancellation = default) =>
        Run(args, console, errors, catalog, new ChildProcessGgufProbe(), cancellation);

    /// <param name="ggufProbe">How a user's GGUF file is trial-loaded before llama.cpp gets it in this process (<see cref="GgufLoadGuard"/>).</param>
    public static int Run(string[] args, IAnsiConsole console, TextWriter errors, WorkingPoint.Catalog.Catalog catalog, IGgufLoadProbe ggufProbe, CancellationToken cancellation = default)
    {
        var output = new FormattedConsole(TerminalSafeConsole.Wrap(console), errors);
        var app = Build(output, catalog, new ParsedSettingsInterceptor(output), ggufProbe: ggufProbe);
        try
        {
            if (args is ["--version"] or ["-v"])
            {
                // The parser's own --version prints the bare version; this one adds the commit and the catalog hash.
                console.Profile.Out.Writer.Write(WptBuild.VersionText + "\n");
                console.Profile.Out.Writer.Flush();
                return 0;
            }

            return app.Run(WithModelsShow(args), cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            errors.WriteLine("wpt: interrupted; what was saved is said above (wpt results list shows it).");
            return Interrupts.ExitCode;
        }
        catch (Exception ex) when (ex is CommandParseException or CommandRuntimeException)
        {
            errors.WriteLine($"wpt: error: {OneLine(CommandLine.WithSuggestion(ex.Message, WithModelsShow(args)))}");
            return ErrorExitCode;
        }
        catch (Exception ex) when (IsUsersToFix(ex))
        {
            errors.WriteLine($"wpt: error: {OneLine(ex.Message)}");
            return ErrorExitCode;
        }
        catch (Exception ex)
        {
            errors.WriteLine($"wpt: internal error (a bug in wpt, not in your input): {OneLine(ex.Message)} [{ex.GetType().Name}]; {CrashReport.Write(ex, args)}");
            return BugExitCode;
        }
    }

    /// <summary>
    /// The configured command tree. Parsing is strict: an unknown option is an error (with the closest option suggested), never
    /// silently ignored.
    /// </summary>
    internal static CommandApp Build(IAnsiConsole console, WorkingPoint.Catalog.Catalog catalog, ICommandInterceptor? interceptor = null, Spectre.Console.Cli.Help.IHelpProvider? help = null, IGgufLoadProbe? ggufProbe = null)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("wpt");
            config.SetApplicationVersion(WptBuild.Current.Version);
            config.ConfigureConsole(console);
            config.Settings.Registrar.RegisterInstance(catalog);
            config.Settings.Registrar.RegisterInstance(new GgufLoadGuard(ggufProbe ?? new ChildProcessGgufProbe()));
            config.PropagateExceptions();
            config.UseStrictParsing();
            if (interceptor is not null)
            {
                config.SetInterceptor(interceptor);
            }

            if (help is not null)
            {
                config.SetHelpProvider(help);
            }

            config.AddCommand<PlatformsCommand>("platforms").WithDescription("List the platform catalog, or show one platform with its sources.").WithExample("platforms", "hailo-10h");
            config.AddCommand<RuntimesCommand>("runtimes").WithDescription("List the runtimes (the unit each runs on and its profile), or show one with its sources.").WithExample("runtimes", "llama.cpp-metal");
            config.AddBranch("models", models =>
            {
                models.SetDescription("List the model catalog, or show one model's architecture and counts; import ONNX and GGUF files and Hugging Face config.json; export catalog networks to ONNX; synthesize catalog LLMs as GGUF.");
                models.SetDefaultCommand<ModelsCommand>();
                models.AddCommand<ModelsCommand>("show").WithDescription("One model's architecture and counts (also: wpt models ID).").WithExample("models", "show", "llama-3.2-1b");
                models.AddCommand<ImportModelCommand>("import").WithDescription("Read an ONNX file (inputs, layers, operations, parameters, unsupported operators), a GGUF file (architecture, tensors, bytes per weight) or a Hugging Face config.json (the architecture; -o writes it as a model YAML file).")
                    .WithExample("models", "import", "model.onnx", "--input", "x=1x3x960x960")
                    .WithExample("models", "import", "config.json", "-o", "my-model.yaml");
                models.AddCommand<SynthModelCommand>("synth").WithDescription("Write a catalog LLM as a GGUF file with its exact tensor shapes and random weights (f16, q8_0, q4_0, …), streamed to disk.")
                    .WithExample("models", "synth", "llama-3.2-1b", "--weights", "q4_0", "-o", "model.gguf");
                models.AddCommand<ExportModelCommand>("export").WithDescription("Write a catalog network as a runnable ONNX file with random weights.").WithExample("models", "export", "yolov8s", "--input", "640x640");
            });
            config.AddCommand<EvaluateCommand>("evaluate").WithDescription("A product's use case (workloads, rates, input sizes, targets, constraints) on every platform: verdicts, headroom, binding resource, power, cost, score, ranking, sensitivity.")
                .WithExample("evaluate", "examples/smart-camera.yaml").WithExample("evaluate", "examples/robot.yaml", "--platforms", "jetson-orin-nano-8gb-super,rk3588");
            config.AddCommand<ReportCommand>("report").WithDescription("The use-case evaluation as one self-contained HTML file (verdicts, rooflines, Pareto plot, targets, sensitivity, assumptions), or Markdown or JSON.")
                .WithExample("report", "examples/smart-camera.yaml", "-o", "report.html");
            config.AddCommand<PredictCommand>("predict").WithDescription("Predict latency, throughput, energy and the bottleneck of a model on a platform.")
                .WithExample("predict", "--platform", "hailo-10h", "--model", "llama-3.2-1b")
                .WithExample("predict", "--platform", "jetson-orin-nano-8gb-super", "--model", "yolov8s", "--input", "1280x720", "--layers");
            config.AddCommand<CompareCommand>("compare").WithDescription("One model across platforms, with perf/W and perf/$.").WithExample("compare", "--model", "yolov8s", "--platforms", "all");
            config.AddBranch("solve", solve =>
            {
                solve.SetDescription("Inverse questions: the bandwidth, model or input size that meets a target.");
                solve.AddCommand<SolveBandwidthCommand>("bandwidth").WithDescription("DRAM bandwidth needed for a decode rate.").WithExample("solve", "bandwidth", "--model", "llama-3.2-1b", "--weights", "q4_0", "--target-tok-s", "40");
                solve.AddCommand<SolveModelCommand>("model").WithDescription("The largest catalog LLM that meets a decode rate on a platform.").WithExample("solve", "model", "--platform", "raspberry-pi-5", "--target-tok-s", "10");
                solve.AddCommand<SolveGpuLayersCommand>("gpu-layers").WithDescription("How many layers must go to the GPU (llama.cpp's -ngl) for a decode rate.").WithExample("solve", "gpu-layers", "--platform", "jetson-agx-orin-64gb", "--model", "llama-3.1-8b", "--target-tok-s", "20");
                solve.AddCommand<SolveInputCommand>("input").WithDescription("The largest input size that meets a frame rate.").WithExample("solve", "input", "--platform", "hailo-8", "--model", "yolov8s", "--target-fps", "30");
            });
            config.AddCommand<RooflineCommand>("roofline").WithDescription("Plot the roofline of platforms with workloads (or layers) placed on it, as PNG or SVG.").WithExample("roofline", "--platform", "jetson-orin-nano-8gb-super", "--model", "yolov8s,llama-3.2-1b", "-o", "roofline.png");
            config.AddCommand<SweepCommand>("sweep").WithDescription("Evaluate a grid of platforms × models × working points and report evaluations per second.").WithExample("sweep", "--seconds", "2");
            config.AddCommand<PublishedCommand>("published").WithDescription("Published measurements (model zoos, vendor pages, llama-bench tables, MLPerf) beside the prediction, with the error.")
                .WithExample("published", "--platform", "hailo-8").WithExample("published", "--runtime", "llama.cpp-metal", "--metric", "pp_tok_s");
            config.AddCommand<CalibrateCommand>("calibrate").WithDescription("Fit each runtime's parameters to the published measurements; report the error in sample and cross-validated (leave one model out, leave one platform out).")
                .WithExample("calibrate").WithExample("calibrate", "-o", "fitted-runtimes");
            config.AddBranch("measure", measure =>
            {
                measure.SetDescription("Measure this machine.");
                measure.AddCommand<MeasureRooflineCommand>("roofline").WithDescription("The empirical roofline: bandwidth per memory level, compute peaks, latency; saved as the 'host' platform.")
                    .WithExample("measure", "roofline", "-o", "roofline.png");
                measure.AddCommand<MeasureRuntimesCommand>("runtimes").WithDescription("Short llama.cpp and ONNX Runtime probes; the shares of the measured roofline each reaches, saved beside 'host' for the validate commands.")
                    .WithExample("measure", "runtimes");
            });
            config.AddBranch("bench", bench =>
            {
                bench.SetDescription("Measure real inference on this machine.");
                bench.AddCommand<BenchOnnxCommand>("onnx").WithDescription("Run an ONNX model (or a catalog network) through ONNX Runtime under MLPerf-style scenarios, with sensors sampled.")
                    .WithExample("bench", "onnx", "model.onnx", "--input", "x=1x3x960x960", "--scenario", "all")
                    .WithExample("bench", "onnx", "yolov8s", "--input", "640x640", "--plot", "latency.png");
                bench.AddCommand<BenchLlmCommand>("llm").WithDescription("Prompt processing and generation of a GGUF file (or a synthesized catalog LLM) through llama.cpp, reported as llama-bench does.")
                    .WithExample("bench", "llm", "model.gguf", "--prompt", "512", "--gen", "128", "--reps", "5")
                    .WithExample("bench", "llm", "qwen2.5-0.5b", "--weights", "q8_0", "--depths", "512,1024");
                bench.AddCommand<BenchMixCommand>("mix").WithDescription("A vision model at a fixed frame rate and an LLM generating at once: each alone and together, with the predicted interference.")
                    .WithExample("bench", "mix", "--vision", "yolov8n", "--input", "320x320", "--fps", "5", "--llm", "qwen2.5-0.5b");
                bench.AddCommand<BenchUseCaseCommand>("usecase").WithDescription("Every workload of a use case at once through its real runtime at its (scaled) rates: latency, misses, drops, TTFT, tok/s beside the prediction.")
                    .WithExample("bench", "usecase", "examples/host-usecase.yaml", "--duration", "20");
            });
            config.AddBranch("results", results =>
            {
                results.SetDescription("The results database: every measurement with its machine, parameters and raw samples.");
                results.AddCommand<ResultsListCommand>("list").WithDescription("Saved results, newest first.").WithExample("results", "list", "--kind", "onnx");
                results.AddCommand<ResultsShowCommand>("show").WithDescription("One result in full: machine, parameters, metrics, raw samples.").WithExample("results", "show", "3");
                results.AddCommand<ResultsExportCommand>("export").WithDescription("All results as CSV (one row per metric) or JSON (full records).").WithExample("results", "export", "--csv", "-o", "results.csv");
                results.AddCommand<ResultsImportCommand>("import").WithDescription("Add the results of a side file (written when the database could not take them) or of an export --json file.").WithExample("results", "import", "results.db.unsaved-20261201T120000Z-4242.json");
                results.AddCommand<ResultsCompareCommand>("compare").WithDescription("Two results side by side, with ratios and what differs.").WithExample("results", "compare", "3", "7");
                results.AddCommand<ResultsPushCommand>("push").WithDescription("Upload local results to a lab server (wpt serve); each is stored there once, however often it is pushed.").WithExample("results", "push", "--all", "--server", "http://lab.local:8080");
                results.AddCommand<ResultsPullCommand>("pull").WithDescription("Copy a lab server's results into the local database; those already here are skipped.").WithExample("results", "pull", "--device", "orin-nano-1", "--server", "http://lab.local:8080");
            });
            config.AddBranch("validate", validate =>
            {
                validate.SetDescription("Check the analytic model against this machine: catalog networks through ONNX Runtime (default), or LLMs through llama.cpp (validate llm).");
                validate.SetDefaultCommand<ValidateCommand>();
                validate.AddCommand<ValidateCommand>("networks").WithDescription("Catalog networks predicted on the measured host and run through ONNX Runtime (also: wpt validate).")
                    .WithExample("validate", "networks", "--models", "yolov8n,resnet-50@224x224", "--duration", "5");
                validate.AddCommand<ValidateLlmCommand>("llm").WithDescription("Catalog LLMs synthesized in several sizes and formats, run through llama.cpp, prefill and decode predicted on the measured host.")
                    .WithExample("validate", "llm").WithExample("validate", "llm", "--models", "qwen2.5-0.5b,llama-3.2-1b", "--weights", "q4_0");
            });
            config.AddCommand<ServeCommand>("serve").WithDescription("The device lab's server: the HTTP API for agents and users, and the dashboard, over PostgreSQL (--database) or a SQLite file; --create-token makes a token.")
                .WithExample("serve", "--urls", "http://0.0.0.0:5180").WithExample("serve", "--create-token", "admin", "--role", "admin");
            config.AddCommand<AgentCommand>("agent").WithDescription("Run this machine as a lab device: register with a lab server, run the jobs queued for it, upload their results.")
                .WithExample("agent", "--server", "http://lab.local:8080", "--token", "TOKEN", "--platform", "jetson-orin-nano-8gb-super", "--label", "jetson");
            config.AddBranch("jobs", jobs =>
            {
                jobs.SetDescription("The lab's job queue: submit benchmark jobs to devices, list them, cancel them.");
                jobs.AddCommand<JobsSubmitCommand>("submit").WithDescription("Queue a benchmark job for one device or every device with a label.")
                    .WithExample("jobs", "submit", "onnx", "yolov8n", "--label", "jetson", "--param", "input=640x640", "--param", "duration=10");
                jobs.AddCommand<JobsListCommand>("list").WithDescription("The lab's jobs, newest first.").WithExample("jobs", "list", "--state", "running");
                jobs.AddCommand<JobsCancelCommand>("cancel").WithDescription("Cancel a queued or running job.").WithExample("jobs", "cancel", "12");
            });
            // Internal: the child process GgufLoadGuard runs to trial-load a user's GGUF file; not in help or completions.
            config.AddCommand<ProbeGgufCommand>(ProbeGgufCommand.Name).IsHidden();
            config.AddCommand<CompletionCommand>("completion").WithDescription("Print a shell completion script (bash, zsh or pwsh) for every command and option.")
                .WithExample("completion", "bash");
        });
        return app;
    }

    /// <summary>EX_SOFTWARE in sysexits.h: an internal error, as distinct from a usage error (2).</summary>
    public const int BugExitCode = 70;

    /// <summary>
    /// Errors the user can fix: WorkingPoint's own family, the command-line parser's, and the file system's (a missing or
    /// unreadable file, a full disk). Anything else is a bug and never blamed on the input.
    /// </summary>
    private static bool IsUsersToFix(Exception ex) =>
        ex is WorkingPointException or CommandParseException or CommandRuntimeException or IOException or UnauthorizedAccessException;

    /// <summary>
    /// <c>wpt models ID</c> is <c>wpt models show ID</c>: the command-line parser sends a branch's positional words to its
    /// subcommands only, so a model id is routed to <c>show</c> explicitly.
    /// </summary>
    private static string[] WithModelsShow(string[] args) =>
        args.Length > 1 && args[0] == "models" && !args[1].StartsWith('-') && args[1] is not ("show" or "import" or "export" or "synth")
            ? ["models", "show", .. args[1..]]
            : args;

    /// <summary>One line, with no control characters: messages quote names from files, which may carry escape sequences.</summary>
    private static string OneLine(string message) => TerminalText.Clean(string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim())));
}
