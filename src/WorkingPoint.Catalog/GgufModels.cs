using WorkingPoint.Gguf;

namespace WorkingPoint.Catalog;

/// <summary>A user's GGUF file as an LLM the analytic model can predict, from its own metadata and tensors.</summary>
public static class GgufModels
{
    public static GgufModel Load(string path)
    {
        try
        {
            // Checked as llama.cpp would assert, so that predict and import refuse what bench llm could not load.
            var file = GgufReader.Read(path);
            GgufValidator.Validate(file, file.FileBytes);
            return GgufArchitecture.FromFile(file);
        }
        catch (GgufFormatException ex)
        {
            throw new CatalogException(ex.Message);
        }
    }
}
