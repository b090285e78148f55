using System.Text.Json;
using WorkingPoint.Tests.Shared;

namespace WorkingPoint.Cli.Tests;

/// <summary>The command line as a new user meets it: help everywhere, strict options with suggestions, limits named up front.</summary>
public sealed class CommandLineTests
{
    /// <summary>Every command and branch, listed once here; the test below checks this is exactly the configured tree.</summary>
    private static readonly string[] Commands =
    [
        "platforms",
        "models", "models show", "models import", "models synth", "models export",
        "evaluate", "report", "predict", "compare",
        "solve", "solve bandwidth", "solve model", "solve gpu-layers", "solve input",
        "roofline", "sweep", "published", "calibrate", "runtimes",
        "measure", "measure roofline", "measure runtimes",
        "bench", "bench onnx", "bench llm", "bench mix", "bench usecase",
        "results", "results list", "results show", "results export", "results import", "results compare",
        "validate", "validate networks", "validate llm",
        "completion", "serve",
        "agent", "jobs", "jobs submit", "jobs list", "jobs cancel", "results push", "results pull",
    ];

    [Fact]
    public void The_listed_commands_are_exactly_the_configured_tree()
    {
        var configured = CommandLine.Tree.DescendantsAndSelf().Where(n => n.Words.Count > 0).Select(n => n.Path).Order(StringComparer.Ordinal);
        Assert.Equal(Commands.Order(StringComparer.Ordinal), configured);
    }

    [Fact]
    public void Help_works_on_the_root_and_on_every_command_and_branch()
    {
        foreach (var node in CommandLine.Tree.DescendantsAndSelf())
        {
            var (code, output, errors) = Wpt.Run([.. node.Words, "--help"]);
            Assert.True(code == 0, $"wpt {node.Path} --help: exit {code}: {errors}");
            Assert.Contains("USAGE:", output, StringComparison.Ordinal);
            Assert.Contains($"wpt {node.Path}".TrimEnd(), output, StringComparison.Ordinal);
            foreach (var option in node.IsBranch ? [] : node.Options.Where(o => o.StartsWith("--", StringComparison.Ordinal)))
            {
                Assert.Contains(option, output, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void A_misspelled_option_on_any_command_is_an_error_that_suggests_the_right_one()
    {
        var checkedCommands = 0;
        foreach (var node in CommandLine.Tree.DescendantsAndSelf())
        {
            var option = node.Options.FirstOrDefault(o => o.StartsWith("--", StringComparison.Ordinal) && o != "--help" && o.Length >= 6);
            if (option is null)
            {
                continue;
            }

            // Swap two letters in the middle of the name: the commonest typing slip.
            var letters = option.ToCharArray();
            var i = letters.Length / 2;
            (letters[i], letters[i + 1]) = (letters[i + 1], letters[i]);
            var misspelled = new string(letters);
            if (node.Options.Contains(misspelled))
            {
                continue;
            }

            var (code, _, errors) = Wpt.Run([.. node.Words, misspelled]);
            Assert.True(code == 2, $"wpt {node.Path} {misspelled}: exit {code}: {errors}");
            var line = Assert.Single(errors.TrimEnd().Split('\n'));
            Assert.Contains($"did you mean {option}?", line, StringComparison.Ordinal);
            checkedCommands++;
        }

        Assert.True(checkedCommands >= 25, $"only {checkedCommands} commands have a long option to misspell");
    }

    [Fact]
    public void A_misspelled_weights_option_is_refused_rather_than_predicting_the_default_format()
    {
        var (code, output, errors) = Wpt.Run("predict", "-p", "hailo-10h", "-m", "llama-3.2-1b", "--weigths", "q8_0");

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        Assert.Equal("wpt: error: Unknown option '--weigths'; did you mean --weights? (wpt predict --help lists the options.)", errors.TrimEnd());
    }

    [Fact]
    public void A_misspelled_command_is_refused_with_the_closest_command()
    {
        var (code, _, errors) = Wpt.Run("solve", "bandwdith", "--model", "llama-3.2-1b");

        Assert.Equal(2, code);
        Assert.Contains("did you mean 'solve bandwidth'?", errors, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stray_word_after_a_command_is_refused_with_where_to_find_its_usage()
    {
        var (code, _, errors) = Wpt.Run("predict", "foo", "-p", "hailo-8", "-m", "yolov8n");

        Assert.Equal(2, code);
        Assert.Equal("wpt: error: 'foo' is not an argument of wpt predict; wpt predict --help shows its usage.", errors.TrimEnd());
    }

    [Theory]
    [InlineData("evaluate", "--platform")]
    [InlineData("evaluate", "--platforms")]
    [InlineData("evaluate", "-p")]
    public void Evaluate_takes_the_platform_list_under_either_name(string command, string option)
    {
        var useCase = Path.Combine(TestModels.RepositoryRoot, "examples", "smart-camera.yaml");

        var (code, output, errors) = Wpt.Run(command, useCase, option, "hailo-8", "--no-sensitivity", "--json");

        Assert.True(code == 0, errors);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(1, doc.RootElement.GetProperty("platforms").GetArrayLength());
    }

    [Theory]
    [InlineData("compare", "-m", "yolov8n", "--platform", "hailo-8,rk3588")]
    [InlineData("compare", "--model", "yolov8n", "-p", "hailo-8,rk3588")]
    [InlineData("sweep", "--seconds", "0.01", "--platform", "hailo-8")]
    [InlineData("roofline", "-p", "hailo-8", "--models", "yolov8n", "-o", "ROOFLINE")]
    [InlineData("solve", "bandwidth", "-m", "llama-3.2-1b", "-p", "raspberry-pi-5", "--target-tok-s", "5")]
    public void Platform_and_model_options_have_the_same_names_everywhere(params string[] args)
    {
        var plot = Path.Combine(Path.GetTempPath(), $"wpt-names-{Guid.NewGuid():N}.png");
        try
        {
            var (code, _, errors) = Wpt.Run([.. args.Select(a => a == "ROOFLINE" ? plot : a), "--json"]);
            Assert.True(code == 0, errors);
        }
        finally
        {
            File.Delete(plot);
        }
    }

    [Theory]
    [InlineData("--audio NaN is out of range: give a finite number from 0 to 86400.", "predict", "-p", "hailo-10h", "-m", "whisper-small", "--audio", "NaN")]
    [InlineData("--target-tok-s NaN is out of range: give a finite number above 0 to 1000000.", "solve", "bandwidth", "-m", "llama-3.2-1b", "--target-tok-s", "NaN")]
    [InlineData("--target-tok-s Infinity is out of range", "solve", "model", "-p", "hailo-10h", "--target-tok-s", "Infinity")]
    [InlineData("--seconds NaN is out of range: give a finite number above 0 to 600.", "sweep", "--seconds", "NaN")]
    [InlineData("--compute-fraction 0 is out of range: give a finite number above 0 to 1.", "predict", "-p", "hailo-8", "-m", "yolov8s", "--compute-fraction", "0")]
    [InlineData("--batch 0 is out of range: give a whole number from 1 to 4096.", "predict", "-p", "hailo-8", "-m", "yolov8s", "--batch", "0")]
    [InlineData("--prompt '1e12' is not a whole number in range", "predict", "-p", "hailo-10h", "-m", "llama-3.2-1b", "--prompt", "1e12")]
    [InlineData("--prompt 100000 + --gen 128 = 100128 tokens exceeds qwen2.5-0.5b's context length of 32768 tokens", "predict", "-p", "hailo-10h", "-m", "qwen2.5-0.5b", "--prompt", "100000")]
    [InlineData("exceeds qwen2.5-0.5b's context length of 32768 tokens", "compare", "-m", "qwen2.5-0.5b", "--gen", "40000")]
    [InlineData("--depths) + --gen = 1000128 tokens exceeds the model's context length of 32768 tokens", "bench", "llm", "qwen2.5-0.5b", "--depths", "1000000", "--no-save")]
    [InlineData("--prompt 100000000 is out of range", "bench", "llm", "qwen2.5-0.5b", "--prompt", "100000000", "--no-save")]
    [InlineData("--threads 100000 is out of range: give a whole number from 1 to", "bench", "llm", "qwen2.5-0.5b", "--threads", "100000", "--no-save")]
    [InlineData("per logical core", "bench", "onnx", "yolov8n", "--threads", "100000", "--no-save")]
    [InlineData("--input 100000x100000 for the image input is a tensor of over 40.0 GB; each input is limited to 1 GiB", "bench", "onnx", "yolov8s", "--input", "100000x100000", "--no-save")]
    [InlineData("each input is limited to 1 GiB", "bench", "onnx", "model.onnx", "--input", "x=1x3x100000x100000", "--no-save")]
    [InlineData("each input is limited to 1 GiB", "models", "import", "model.onnx", "--input", "999999999x999999999")]
    [InlineData("--format 'xml' is not a format; use table, md, csv, json or jsonl.", "platforms", "--format", "xml")]
    [InlineData("--json and --format csv ask for two formats", "platforms", "--json", "--format", "csv")]
    public void A_numeric_option_out_of_its_limit_is_refused_up_front_with_the_limit_named(string expected, params string[] args)
    {
        var (code, output, errors) = Wpt.Run(args);

        Assert.Equal(2, code);
        Assert.Equal(string.Empty, output);
        var line = Assert.Single(errors.TrimEnd().Split('\n'));
        Assert.StartsWith("wpt: error: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }
}
