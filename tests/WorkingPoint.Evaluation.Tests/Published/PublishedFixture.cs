using System.Runtime.CompilerServices;

namespace WorkingPoint.Evaluation.Tests.Published;

/// <summary>tests/Shared/published: the seed rows of the dataset (../shared/data/published-*.csv) in the dataset's columns.</summary>
internal static class PublishedFixture
{
    public static string Directory => Locate();

    public const string Header = "id,platform,model,weights,runtime,unit,batch,prompt_tokens,gen_tokens,input,power_mode,metric,value,source,date,notes";

    private static string Locate([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "Shared", "published"));
}
