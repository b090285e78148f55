using System.Text;
using System.Text.RegularExpressions;
using WorkingPoint.Catalog;

namespace WorkingPoint.Fuzzing.Tests;

/// <summary>Malformed and extreme Hugging Face config.json files through the import (wpt models import, --model config.json).</summary>
public sealed partial class ConfigJsonFuzzTests
{
    private static readonly string[] Seeds = ["gpt-oss-20b", "gemma-3-4b", "qwen2.5-vl-3b", "qwen3-30b-a3b"];

    private static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "WorkingPoint.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new DirectoryNotFoundException("WorkingPoint.slnx not found above the test binaries");
        }
    }

    private static string Seed(string folder) => File.ReadAllText(Path.Combine(Root, "tests", "Shared", "Fixtures", "huggingface", folder, "config.json"));

    private static void Import(string text) => HuggingFaceConfig.Parse("config.json", text, "fuzz");

    [GeneratedRegex(@"(?<=: )-?\d+(\.\d+)?(e-?\d+)?(?=[\s,}\]])")]
    private static partial Regex Numbers();

    [Fact]
    public void The_seed_configs_import()
    {
        foreach (var seed in Seeds)
        {
            Import(Seed(seed));
        }
    }

    [Fact]
    public void Truncation_at_every_token_boundary_is_handled()
    {
        Fuzz.All(Seeds.SelectMany(seed =>
        {
            var text = Seed(seed);
            var cuts = Enumerable.Range(0, text.Length).Where(i => i == 0 || text[i - 1] is '\n' or ':' or ',' or '{' or '[' or '"' || text[i] is '}' or ']');
            return cuts.Select(n => ($"{seed} truncated to {n} characters", (Action)(() => Import(text[..n]))));
        }));
    }

    [Fact]
    public void Random_byte_flips_are_handled()
    {
        Fuzz.All(Seeds.SelectMany(seed =>
        {
            var bytes = Encoding.UTF8.GetBytes(Seed(seed));
            return Fuzz.Flips(bytes, 0, bytes.Length, seed).Select(c => ($"{seed} {c.Name}", (Action)(() => Import(Encoding.UTF8.GetString(c.Bytes)))));
        }));
    }

    [Fact]
    public void Every_number_replaced_by_an_extreme_or_wrongly_typed_value_is_handled()
    {
        string[] extremes = ["1e400", "-1e400", "0", "-1", "0.5", "1e12", "2147483648", "-2147483649", "99999999999999999999999", "\"12\"", "[1, 2]", "{}", "null", "true"];
        Fuzz.All(Seeds.SelectMany(seed =>
        {
            var text = Seed(seed);
            return Numbers().Matches(text).SelectMany(m => extremes.Select(e =>
                ($"{seed} number at {m.Index} ({m.Value}) → {e}", (Action)(() => Import(text[..m.Index] + e + text[(m.Index + m.Length)..])))));
        }));
    }
}
