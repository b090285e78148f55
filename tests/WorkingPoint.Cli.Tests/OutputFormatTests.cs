using System.Text.Json;
using WorkingPoint.Tests.Shared;
using Spectre.Console;

namespace WorkingPoint.Cli.Tests;

/// <summary>Output that reads anywhere: narrow and wide terminals, pipes, and the machine formats of --format.</summary>
public sealed class OutputFormatTests
{
    public static TheoryData<string, string[]> Commands => new()
    {
        { "predict-hailo-10h-llama-3.2-1b", ["predict", "-p", "hailo-10h", "-m", "llama-3.2-1b"] },
        { "predict-orin-nano-super-yolov8s", ["predict", "-p", "jetson-orin-nano-8gb-super", "-m", "yolov8s"] },
        { "compare-yolov8s", ["compare", "-m", "yolov8s"] },
        { "evaluate-robot", ["evaluate", Path.Combine(TestModels.RepositoryRoot, "examples", "robot.yaml")] },
        { "platforms", ["platforms"] },
        { "models", ["models"] },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public void At_80_columns_every_line_fits_and_matches_the_reviewed_golden_output(string name, string[] args)
    {
        var (code, output, errors) = Wpt.RunAt(80, args);

        Assert.True(code == 0, errors);
        Assert.All(output.Split('\n'), line => Assert.True(line.TrimEnd().Length <= 80, $"{line.TrimEnd().Length} columns: {line}"));
        Golden.Verify($"80-columns/{name}.txt", output);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void At_160_columns_the_output_matches_the_reviewed_golden_output(string name, string[] args)
    {
        var (code, output, errors) = Wpt.RunAt(160, args);

        Assert.True(code == 0, errors);
        Assert.All(output.Split('\n'), line => Assert.True(line.TrimEnd().Length <= 160, $"{line.TrimEnd().Length} columns: {line}"));
        Golden.Verify($"160-columns/{name}.txt", output);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Piped_output_has_no_escape_codes_and_matches_the_reviewed_golden_output(string name, string[] args)
    {
        var (code, output, errors) = WptPiped.Run(args);

        Assert.True(code == 0, errors);
        Assert.DoesNotContain('\u001b', output);
        Golden.Verify($"piped/{name}.txt", output);
    }

    [Fact]
    public void A_table_too_wide_for_the_terminal_becomes_one_block_per_record_with_whole_numbers()
    {
        var (_, output, _) = Wpt.RunAt(80, "compare", "-m", "mobilenet-v2", "-p", "hailo-8,rk3588");

        Assert.Contains("hailo-8\n", output, StringComparison.Ordinal);
        Assert.Contains("  FPS:", output, StringComparison.Ordinal);
        Assert.Contains("2,197", output, StringComparison.Ordinal);
        Assert.DoesNotContain("…", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_is_a_header_row_and_one_row_per_platform()
    {
        var (code, output, errors) = Wpt.Run("compare", "-m", "mobilenet-v2", "-p", "hailo-8,rk3588", "--format", "csv");

        Assert.True(code == 0, errors);
        var lines = output.TrimEnd().Split('\n');
        Assert.Equal("Platform,FPS,±,Latency,Bottleneck,Power,FPS/W,Price,FPS/$,Fits", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("hailo-8,\"2,197\",52 %,0.503 ms,runtime-overhead,", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_quotes_fields_as_rfc_4180_says_and_ends_rows_with_crlf()
    {
        var text = new TabularText("t", ["a", "b"], [false, false], [["x,y", "say \"hi\""], ["plain", "two\nlines"]]);

        var csv = FormattedConsole.CsvTable(text, first: true);

        Assert.Equal("a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\nplain,\"two\nlines\"\r\n", csv);
    }

    [Fact]
    public void Markdown_is_a_pipe_table_with_numbers_right_aligned()
    {
        var (code, output, errors) = Wpt.Run("compare", "-m", "mobilenet-v2", "-p", "hailo-8,rk3588", "--format", "md");

        Assert.True(code == 0, errors);
        Assert.Contains("| Platform | FPS | ± | Latency | Bottleneck |", output, StringComparison.Ordinal);
        Assert.Contains("| --- | ---: | ---: | ---: | --- |", output, StringComparison.Ordinal);
        Assert.Contains("| hailo-8 | 2,197 | 52 % | 0.503 ms | runtime-overhead |", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_lines_are_one_compact_record_per_line()
    {
        var (code, output, errors) = Wpt.Run("compare", "-m", "mobilenet-v2", "-p", "hailo-8,rk3588", "--format", "jsonl");

        Assert.True(code == 0, errors);
        var lines = output.TrimEnd().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Equal(["hailo-8", "rk3588"], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("platform").GetString()));
    }

    [Fact]
    public void Format_json_is_the_same_as_the_json_flag()
    {
        Assert.Equal(Wpt.Run("platforms", "hailo-8", "--json").Output, Wpt.Run("platforms", "hailo-8", "--format", "json").Output);
    }

    [Fact]
    public void Platforms_show_dram_types_as_datasheets_write_them_and_no_markup()
    {
        var (_, output, _) = Wpt.Run("platforms");

        Assert.Contains("LPDDR4X", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Lpddr", output, StringComparison.Ordinal);
        Assert.DoesNotContain("[grey]", output, StringComparison.Ordinal);
    }

    [Fact]
    public void No_color_set_means_no_colour_codes_even_on_a_terminal()
    {
        var writer = new StringWriter();
        var console = WptConsole.Create(writer, isTerminal: true, name => name == "NO_COLOR" ? "1" : null, AnsiSupport.Yes);

        console.MarkupLine("[red]fails[/] [green]meets[/]");

        Assert.Equal(ColorSystem.NoColors, console.Profile.Capabilities.ColorSystem);
        Assert.Equal("fails meets", writer.ToString().TrimEnd());
    }
}
