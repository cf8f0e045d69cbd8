using Microsoft.CodeAnalysis;

namespace Convotron.Generator.Models
{
    /// <summary>A diagnostic to report, as plain values: the descriptor's id, where, and the message arguments.</summary>
    internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> MessageArguments)
    {
        public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] messageArguments) =>
            new(descriptor.Id, location, new EquatableArray<string>(messageArguments));

        public Diagnostic ToDiagnostic()
        {
            object[] arguments = new object[MessageArguments.Count];
            for (int i = 0; i < arguments.Length; i++)
                arguments[i] = MessageArguments[i];
            return Diagnostic.Create(DiagnosticDescriptors.ById(Id), Location?.ToLocation(), arguments);
        }
    }
}
