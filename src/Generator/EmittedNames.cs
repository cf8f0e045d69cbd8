using System.Collections.Generic;

namespace Convotron.Generator
{
    /// <summary>
    /// The one table of the names the generator adds to a model class. The emitter writes its fields, buffer types
    /// and private constants by these constants, and the parser checks the user's class against
    /// <see cref="ModelMembers"/> (CNV0009 for the class's own name, CNV0012 for a member or nested type), so the
    /// two cannot drift; a test compiles models and checks every generated member name is in the table. Everything
    /// else the generated code needs lives in a file-local helper class, where no user name can reach it.
    /// </summary>
    internal static class EmittedNames
    {
        public const string Filter = "_filter";
        public const string OutputWeights = "_outputWeights";
        public const string PreActivations = "_preActivations";
        public const string FilterBuffer = "FilterBuffer";
        public const string PatchBuffer = "PatchBuffer";
        public const string NonOverlappingTapCount = "NonOverlappingTapCount";

        /// <summary>The nested struct implementing IPatchKernel for the class's geometry.</summary>
        public const string PatchKernel = "PatchKernel";

        /// <summary>The constant C, the number of channels: added only to models with more than one channel.</summary>
        public const string Channels = "C";

        /// <summary>The parameterless constructor's stand-in name in the table (a constructor has the class's name).</summary>
        public const string Constructor = ".ctor";

        private static readonly (string Name, string Meaning)[] s_common =
        {
            ("D", "a constant"), ("R", "a constant"), ("K", "a constant"), (NonOverlappingTapCount, "a constant"),
            ("CompiledGeometry", "a static property"), ("CompiledActivation", "a static property"),
            ("Geometry", "an IConvNet member"), ("Activation", "an IConvNet member"), ("FilterCount", "an IConvNet member"),
            ("Filter", "an IConvNet member"), ("OutputWeights", "an IConvNet member"), ("Kernel", "an IConvNet member"),
            ("Predict", "an IConvNet member"), ("HiddenActivations", "an IConvNet member"), ("Clone", "an IConvNet member"),
            (Filter, "a field"), (OutputWeights, "a field"), (PreActivations, "a field"),
            (FilterBuffer, "a buffer type"), (PatchBuffer, "a buffer type"), (PatchKernel, "the nested patch-kernel struct"),
            (Constructor, "the public parameterless constructor"),
        };

        private static readonly (string Name, string Meaning)[] s_only1D = { ("S", "a constant") };

        private static readonly (string Name, string Meaning)[] s_only2D =
        {
            ("Height", "a constant"), ("Width", "a constant"), ("RH", "a constant"), ("RW", "a constant"),
            ("SH", "a constant"), ("SW", "a constant"), ("KH", "a constant"), ("KW", "a constant"),
        };

        private static readonly (string Name, string Meaning)[] s_onlyChannels = { (Channels, "a constant") };

        /// <summary>Every name the generator adds to a 1D or 2D model class (of several channels or one), with what it is.</summary>
        public static IReadOnlyList<(string Name, string Meaning)> ModelMembers(bool is2D, bool hasChannels = false)
        {
            var names = new List<(string, string)>(s_common);
            names.AddRange(is2D ? s_only2D : s_only1D);
            if (hasChannels)
                names.AddRange(s_onlyChannels);
            return names;
        }

        /// <summary>What <paramref name="name"/> is in the generated class, or null when the generator does not add it.</summary>
        public static string? Meaning(string name, bool is2D, bool hasChannels = false)
        {
            foreach ((string Name, string Meaning) entry in ModelMembers(is2D, hasChannels))
            {
                if (entry.Name == name)
                    return entry.Meaning;
            }
            return null;
        }
    }
}
