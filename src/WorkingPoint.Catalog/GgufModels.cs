using WorkingPoint.Gguf;

namespace WorkingPoint.Catalog;

/// <summary>A user's GGUF file as an LLM the analytic model can predict, from its own metadata and tensors.</summary>
public static class GgufModels
{
    public static GgufModel Load(string path)
    {
        try
        {
            return GgufArchitecture.Load(path);
        }
        catch (GgufFormatException ex)
        {
            throw new CatalogException(ex.Message);
        }
    }
}
