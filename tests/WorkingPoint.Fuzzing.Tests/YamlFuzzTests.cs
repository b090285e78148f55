using System.Text;
using WorkingPoint.Catalog;
using WorkingPoint.Catalog.UseCases;

namespace WorkingPoint.Fuzzing.Tests;

/// <summary>Malformed and extreme YAML through the platform, model and use-case parsers.</summary>
public sealed class YamlFuzzTests
{
    private static readonly string Platform = File.ReadAllText(Path.Combine(Root, "catalog", "platforms", "hailo-8.yaml"));
    private static readonly string Model = File.ReadAllText(Path.Combine(Root, "catalog", "models", "qwen2.5-vl-3b.yaml"));
    private static readonly string UseCase = File.ReadAllText(Path.Combine(Root, "examples", "home-assistant.yaml"));

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

    private static readonly (string Name, Action<string> Parse)[] Parsers =
    [
        ("platform", text => PlatformYaml.Parse("fuzz.yaml", text)),
        ("model", text => LlmYaml.Parse("fuzz.yaml", text)),
        ("use case", text => UseCaseYaml.Parse("fuzz.yaml", text, WorkingPoint.Catalog.Catalog.BuiltIn)),
    ];

    private static string Seed(string parser) => parser switch { "platform" => Platform, "model" => Model, _ => UseCase };

    [Fact]
    public void The_seed_files_parse()
    {
        foreach (var (name, parse) in Parsers)
        {
            parse(Seed(name));
        }
    }

    [Fact]
    public void Truncation_at_every_line_and_token_boundary_is_handled()
    {
        Fuzz.All(Parsers.SelectMany(p =>
        {
            var text = Seed(p.Name);
            var cuts = Enumerable.Range(0, text.Length).Where(i => i == 0 || text[i - 1] is '\n' or ':' or ' ' or ',' or '{' or '[' || text[i] is '}' or ']');
            return cuts.Select(n => ($"{p.Name} truncated to {n} characters", (Action)(() => p.Parse(text[..n]))));
        }));
    }

    [Fact]
    public void Random_byte_flips_are_handled()
    {
        Fuzz.All(Parsers.SelectMany(p =>
        {
            var bytes = Encoding.UTF8.GetBytes(Seed(p.Name));
            return Fuzz.Flips(bytes, 0, bytes.Length, p.Name).Select(c => ($"{p.Name} {c.Name}", (Action)(() => p.Parse(Encoding.UTF8.GetString(c.Bytes)))));
        }));
    }

    [Fact]
    public void Every_number_replaced_by_an_extreme_value_is_handled()
    {
        string[] extremes = ["1e308", "-1e308", ".nan", ".inf", "-.inf", "0", "-1", "1e12", "0.5", "2147483648", "-2147483649", "99999999999999999999999", "\"12\"", "[1, 2]", "{ a: 1 }", "null", "~", "0x10", "1_000"];
        Fuzz.All(Parsers.SelectMany(p =>
        {
            var text = Seed(p.Name);
            var numbers = System.Text.RegularExpressions.Regex.Matches(text, @"(?<=[:\[,] )-?\d+(\.\d+)?(?=[\s,}\]])").Cast<System.Text.RegularExpressions.Match>().ToArray();
            return numbers.SelectMany(m => extremes.Select(e => ($"{p.Name} number at {m.Index} ({m.Value}) → {e}", (Action)(() => p.Parse(text[..m.Index] + e + text[(m.Index + m.Length)..])))));
        }));
    }

    [Fact]
    public void Deep_nesting_aliases_and_huge_collections_are_handled()
    {
        var laughs = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 10; i++)
        {
            laughs.Append(System.Globalization.CultureInfo.InvariantCulture, $"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n");
        }

        var manyWorkloads = new StringBuilder("name: many\nworkloads:\n");
        for (var i = 0; i < 250_000; i++)
        {
            manyWorkloads.Append(System.Globalization.CultureInfo.InvariantCulture, $"  - {{ id: w{i}, model: yolov8s, fps: 1 }}\n");
        }

        var inputs = new[]
        {
            ("flow nesting 100k", "id: x\nnotes: " + new string('[', 100_000) + new string(']', 100_000) + "\n"),
            ("mapping nesting 100k", "id: x\nnotes: " + string.Concat(Enumerable.Repeat("{a: ", 100_000)) + "1" + new string('}', 100_000) + "\n"),
            ("block nesting 5k", "id: x\n" + string.Concat(Enumerable.Range(0, 5_000).Select(i => new string(' ', i) + "k:\n"))),
            ("billion laughs", laughs.ToString()),
            ("alias as a mapping key", "a: &a { b: [1, 2, 3] }\n? *a\n: 1\n"),
            ("250k workloads", manyWorkloads.ToString()),
            ("2 MB of one scalar", "id: " + new string('x', 2 << 20) + "\n"),
            ("tabs and control characters", "id:\t\u0001\u0007x\nname: \u001b[2J\n"),
            ("empty", string.Empty),
            ("a list at the top", "- a\n- b\n"),
            ("a scalar at the top", "42\n"),
            ("duplicate keys", "id: a\nid: b\n"),
            ("a non-scalar key", "[a, b]: 1\n"),
            ("unclosed flow", "id: { a: [1, 2\n"),
        };
        Fuzz.All(Parsers.SelectMany(p => inputs.Select(i => ($"{p.Name}: {i.Item1}", (Action)(() => p.Parse(i.Item2))))));
    }
}
