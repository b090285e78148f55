using System.Text.RegularExpressions;
using WorkingPoint.Tests.Shared;
using YamlDotNet.RepresentationModel;

namespace WorkingPoint.Catalog.Tests;

/// <summary>
/// Every reference in catalog/ must be something a user can open (docs/platform-schema.md, "What counts as a source"):
/// a URL, a GitHub repository with a path or an issue/pull request/discussion number, or a document title with a page.
/// Internal look-up ids and files outside the repository are refused.
/// </summary>
public sealed partial class CatalogSourceReferenceTests
{
    [Fact]
    public void Every_source_in_the_catalog_is_a_public_reference_a_user_can_open()
    {
        var offenders = new List<string>();
        foreach (var file in CatalogFiles())
        {
            var root = Load(file);
            var keys = root.Children.TryGetValue(new YamlScalarNode("sources"), out var s) && s is YamlMappingNode sources
                ? sources.Children.Select(c => ((YamlScalarNode)c.Key).Value!).ToHashSet(StringComparer.Ordinal)
                : [];
            foreach (var (where, reference) in References(root, string.Empty))
            {
                // A figure citing a key under sources: is checked through that key's entry.
                if (where != "sources" && keys.Contains(reference))
                {
                    continue;
                }

                if (!IsOpenable(reference))
                {
                    offenders.Add($"{Path.GetRelativePath(TestModels.RepositoryRoot, file)}: {where}: \"{reference}\"");
                }
            }
        }

        Assert.True(offenders.Count == 0, "sources a user cannot open (use a URL, github.com/OWNER/REPO + path or issue number, or \"Title, p. N\"):\n" + string.Join('\n', offenders));
    }

    [Theory]
    [InlineData("https://www.cnx-software.com/2020/10/07/learn-more-about-hailo-8-ai-accelerator/")]
    [InlineData("https://github.com/ggml-org/llama.cpp/discussions/4167 (bandwidth table)")]
    [InlineData("github.com/mlcommons/inference_results_v3.1 closed/NVIDIA/systems/Orin_TRT.json")]
    [InlineData("github.com/raspberrypi/documentation pull request 3893, about.adoc")]
    [InlineData("github.com/geerlingguy/sbc-reviews issue 21")]
    [InlineData("NVIDIA Jetson AGX Orin Series Technical Brief v1.2, p. 7")]
    public void Urls_github_paths_and_paged_documents_are_openable(string reference) => Assert.True(IsOpenable(reference), reference);

    [Theory]
    [InlineData("aior.com forum post on Hailo-8 on-chip memory (low confidence)")]
    [InlineData("third-party GPU database")]
    [InlineData("secondary Jetson spec tables (code-index find_string ids 54500459874 and 55027237832)")]
    [InlineData("config from HF whisper configs (shared/data/model-facts.md: d_model 512)")]
    [InlineData("https://example.com/page, via secondary copy (code-index find_string id 51895200645)")]
    [InlineData("github.com/ultralytics/ultralytics")]
    [InlineData("NVIDIA Jetson Orin Nano Series datasheet")]
    [InlineData("5fang.cc/?p=105")]
    public void Vague_references_lookup_ids_and_files_outside_the_repository_are_refused(string reference) => Assert.False(IsOpenable(reference), reference);

    /// <summary>The rule written down in docs/platform-schema.md.</summary>
    private static bool IsOpenable(string reference)
    {
        if (InternalMarker().IsMatch(reference))
        {
            return false;
        }

        return Url().IsMatch(reference) || GitHubReference().IsMatch(reference) || PagedDocument().IsMatch(reference);
    }

    private static IEnumerable<(string Where, string Reference)> References(YamlMappingNode map, string path)
    {
        foreach (var (keyNode, value) in map.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value!;
            var where = path.Length == 0 ? key : $"{path}.{key}";
            if (key == "sources" && path.Length == 0 && value is YamlMappingNode sources)
            {
                foreach (var (_, reference) in sources.Children)
                {
                    yield return ("sources", ((YamlScalarNode)reference).Value ?? string.Empty);
                }
            }
            else if (key == "source" && value is YamlScalarNode scalar)
            {
                yield return (where, scalar.Value ?? string.Empty);
            }
            else if (value is YamlMappingNode child)
            {
                foreach (var found in References(child, where))
                {
                    yield return found;
                }
            }
        }
    }

    private static IEnumerable<string> CatalogFiles()
    {
        var catalog = Path.Combine(TestModels.RepositoryRoot, "catalog");
        var files = Directory.GetFiles(Path.Combine(catalog, "platforms"), "*.yaml")
            .Concat(Directory.GetFiles(Path.Combine(catalog, "models"), "*.yaml"))
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.NotEmpty(files);
        return files;
    }

    private static YamlMappingNode Load(string file)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(file)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    [GeneratedRegex(@"https?://[\w-]+(\.[\w-]+)+\S*", RegexOptions.IgnoreCase)]
    private static partial Regex Url();

    // github.com/OWNER/REPO followed by a path inside it (…/x or a file name) or an issue, pull request or discussion number.
    [GeneratedRegex(@"github\.com/[\w.-]+/[\w.-]+(/\S+|\s+(\S*/\S+|\S+\.[A-Za-z]{2,5}\b|(issue|pull request|PR|discussion)s?\s*#?\d+|#\d+))", RegexOptions.IgnoreCase)]
    private static partial Regex GitHubReference();

    // "Title, p. 12" or "Title, pp. 12–14".
    [GeneratedRegex(@"\S.*,\s*pp?\.\s*\d+")]
    private static partial Regex PagedDocument();

    // Look-up ids of private search tools and files outside the repository.
    [GeneratedRegex(@"code-index|find_string|shared/data|model-facts\.md|platform-facts\.md|secondary copy", RegexOptions.IgnoreCase)]
    private static partial Regex InternalMarker();
}
