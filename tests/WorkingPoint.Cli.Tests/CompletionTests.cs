namespace WorkingPoint.Cli.Tests;

public sealed class CompletionTests
{
    /// <summary>Commands named here by hand, so a tree read wrongly (or not at all) cannot pass by being empty.</summary>
    private static readonly string[] KnownCommands =
    [
        "platforms", "models", "models show", "models import", "models export", "models synth", "evaluate", "report", "predict", "compare",
        "solve", "solve bandwidth", "solve model", "solve gpu-layers", "solve input", "roofline", "sweep", "published", "calibrate", "runtimes", "measure", "measure roofline", "measure runtimes",
        "bench", "bench onnx", "bench llm", "bench mix", "bench usecase", "results", "results list", "results show", "results export", "results import", "results compare",
        "validate", "validate networks", "validate llm", "completion", "serve",
        "agent", "jobs", "jobs submit", "jobs list", "jobs cancel", "results push", "results pull",
    ];

    [Fact]
    public void The_tree_completion_reads_is_the_whole_command_tree_with_each_commands_options()
    {
        var tree = Completion.Tree();
        var paths = tree.Walk().Select(n => n.Path).Where(p => p.Length > 0).ToArray();

        Assert.Equal(KnownCommands.Order(StringComparer.Ordinal), paths.Order(StringComparer.Ordinal));
        var predict = tree.Walk().Single(n => n.Path == "predict").Node;
        Assert.Contains("--platform", predict.Options);
        Assert.Contains("-p", predict.Options);
        Assert.Contains("--json", predict.Options);
        Assert.Contains("--force", tree.Walk().Single(n => n.Path == "roofline").Node.Options);
        Assert.Contains("--version", tree.Options);
    }

    [Theory]
    [InlineData("bash")]
    [InlineData("zsh")]
    [InlineData("pwsh")]
    public void The_completion_script_names_every_command_and_every_option(string shell)
    {
        var (code, script, errors) = Wpt.Run("completion", shell);

        Assert.True(code == 0, errors);
        foreach (var (path, node) in Completion.Tree().Walk())
        {
            Assert.Contains(path.Split(' ')[^1], script, StringComparison.Ordinal);
            foreach (var option in node.Options)
            {
                Assert.Contains(option, script, StringComparison.Ordinal);
            }
        }
    }

    [NeedsProgramFact("bash")]
    public void The_bash_script_is_valid_bash()
    {
        var (_, script, _) = Wpt.Run("completion", "bash");

        var (code, _, errors) = ProcessRunner.Run("bash", ["-n"], Path.GetTempPath(), input: script);

        Assert.True(code == 0, errors);
    }

    [NeedsProgramFact("bash")]
    public void The_bash_script_completes_commands_subcommands_options_and_shells()
    {
        var (_, script, _) = Wpt.Run("completion", "bash");
        var file = Path.Combine(Directory.CreateTempSubdirectory("wpt-completion-").FullName, "wpt.bash");
        File.WriteAllText(file, script);

        string Complete(params string[] words)
        {
            var array = string.Join(' ', words.Select(w => $"'{w}'"));
            var (code, output, errors) = ProcessRunner.Run("bash", ["-c", $"source '{file}'; COMP_WORDS=({array}); COMP_CWORD={words.Length - 1}; _wpt; echo \"${{COMPREPLY[*]}}\""], Path.GetTempPath());
            Assert.True(code == 0, errors);
            return output.Trim();
        }

        Assert.Equal("models", Complete("wpt", "mo"));
        Assert.Equal("show import synth export --help --format --json", Complete("wpt", "models", ""));
        Assert.Equal("--platform", Complete("wpt", "predict", "--pl"));
        Assert.Equal("llm", Complete("wpt", "--json", "bench", "l"));
        Assert.Equal("bash zsh pwsh --help", Complete("wpt", "completion", ""));
        Assert.Equal("--force", Complete("wpt", "report", "x.yaml", "--fo"));
    }

    [Fact]
    public void An_unknown_shell_is_refused_with_the_ones_that_exist()
    {
        var (code, _, errors) = Wpt.Run("completion", "fish");

        Assert.Equal(2, code);
        Assert.Equal("wpt: error: wpt completion fish: no such shell; use one of bash, zsh, pwsh.", errors.Trim());
    }
}
