namespace Convotron.Generator.Models
{
    /// <summary>A type that contains the model class: its keyword ("class", "struct", "record", "record struct", "interface") and name.</summary>
    internal sealed record ContainingTypeInfo(string Keyword, string Name);
}
