using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using Convotron;

namespace Convotron.Benchmarks;

/// <summary>
/// algorithm1 [--rounds 9] [--min 0] [--steps 10000] [--breakdown]: a full Algorithm-1 run at
/// (160, 16, 9) — paper Gaussian settings, T1 = T2 = T3 = steps, sampling and teacher labels
/// included — on the generated class against <see cref="PlainAlgorithm1{TGeometry}"/>, in
/// interleaved rounds; prints ns per sample and the median ratio, and exits 1 when the ratio is
/// below --min. --breakdown adds the parts of one sample, timed in the same rounds: sampling the
/// input, labelling it, and each stage's kernel calls; the fixed cost of one run; stage 3's loop
/// written out, per sample and in blocks of 16 draws; and labelling and stage-3 kernels over 4,096
/// inputs instead of 64 (the parts over 64 inputs let the branch predictor learn the ReLU signs).
/// </summary>
public static class EndToEnd
{
    public static int Run(string[] args)
    {
        int rounds = 9, steps = 10_000;
        double minimum = 0;
        bool breakdown = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--min": minimum = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--breakdown": breakdown = true; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
            }
        }
        if (rounds < 5)
        {
            Console.Error.WriteLine("--rounds must be at least 5");
            return 2;
        }
        PatchGeometry geometry = G160x16s9.Geometry;
        var teacher = Teacher.Random(geometry, Activation.ReLU, new Xoshiro256StarStar(1));
        var plain = new PlainAlgorithm1<G160x16s9>(teacher.Filter, teacher.OutputWeights);
        var plainModel = new NaiveConvNet<G160x16s9>();
        IConvNet generated = new Net160s9();
        double sink = 0;
        int seed = 0;
        long samplesPerRun = 3L * steps;

        // Each contender's operation is one sample.
        var contenders = new List<Interleaved.Contender>
        {
            new("plain", samples => Time(samples / samplesPerRun, () => sink += plain.Run(plainModel, ++seed, steps, steps, steps, 1e-4)) / (Math.Max(1, samples / samplesPerRun) * samplesPerRun) * samples),
            new("generated", samples => Time(samples / samplesPerRun, () =>
            {
                var run = new Algorithm1Options { Stage1Steps = steps, Stage2Steps = steps, ValidationSamples = steps, EvaluationInterval = 0, Seed = (ulong)++seed };
                sink += Algorithm1.Learn(generated, teacher.Stream(InputDistribution.Gaussian, new Xoshiro256StarStar(run.Seed)), run).ValidationMsePositive;
            }) / (Math.Max(1, samples / samplesPerRun) * samplesPerRun) * samples),
        };
        if (breakdown)
        {
            // Each stage alone inside Algorithm1.Learn (the other two stages cut to one sample).
            foreach (var (name, s1, s2, s3) in new[] { ("stage 1 in run", steps, 1, 1), ("stage 2 in run", 1, steps, 1), ("stage 3 in run", 1, 1, steps) })
            {
                contenders.Add(new(name, samples => Time(samples / steps, () =>
                {
                    var run = new Algorithm1Options { Stage1Steps = s1, Stage2Steps = s2, ValidationSamples = s3, EvaluationInterval = 0, Seed = (ulong)++seed };
                    sink += Algorithm1.Learn(generated, teacher.Stream(InputDistribution.Gaussian, new Xoshiro256StarStar(run.Seed)), run).ValidationMsePositive;
                }) / (Math.Max(1, samples / steps) * steps) * samples));
            }
            // The fixed cost of one run (set-up, evaluations, clone, the first bulk draw's lane jumps), per run.
            // Its operation is one run (a thousandth of the operations asked for are run and scaled up).
            contenders.Add(new("run, T = 1 each", operations => Time(Math.Max(1, operations / 1000), () =>
            {
                var run = new Algorithm1Options { Stage1Steps = 1, Stage2Steps = 1, ValidationSamples = 1, EvaluationInterval = 0, Seed = (ulong)++seed };
                sink += Algorithm1.Learn(generated, teacher.Stream(InputDistribution.Gaussian, new Xoshiro256StarStar(run.Seed)), run).ValidationMsePositive;
            }) * operations / Math.Max(1, operations / 1000)));
            // Stage 3's loop written out over one long-lived stream: the per-sample path without the per-run costs.
            var stream = teacher.Stream(InputDistribution.Gaussian, new Xoshiro256StarStar(5));
            var xs = new double[geometry.InputSize];
            IConvNet positive = generated.Clone(), flipped = generated.Clone();
            contenders.Add(Part("stage-3 loop", samples =>
            {
                for (long n = 0; n < samples; n++)
                {
                    double y = stream.Next(xs);
                    sink += positive.Predict(xs) - y + flipped.Predict(xs);
                }
            }));
            // The same loop drawing 16 inputs before labelling them (the inputs come from the lanes, the
            // label noise from the generator's own state, so the draws are those of the loop above).
            var blockRandom = new Xoshiro256StarStar(5);
            var block = new double[16][];
            for (int b = 0; b < block.Length; b++)
                block[b] = new double[geometry.InputSize];
            contenders.Add(Part("stage-3 blocks", samples =>
            {
                for (long n = 0; n < samples; n += 16)
                {
                    for (int b = 0; b < 16; b++)
                        InputDistribution.Gaussian.Sample(blockRandom, block[b]);
                    for (int b = 0; b < 16; b++)
                    {
                        double y = teacher.Label(block[b], blockRandom);
                        sink += positive.Predict(block[b]) - y + flipped.Predict(block[b]);
                    }
                }
            }));
            var x = new double[geometry.InputSize];
            var random = new Xoshiro256StarStar(7);
            var filterNoise = new double[geometry.NonOverlappingTaps.Length];
            var outputNoise = new double[geometry.PatchCount];
            var (inputs, labels) = Cases.Prepare(generated, 64, 3);
            IConvNet negative = generated.Clone();
            contenders.Add(Part("sample x", samples => { for (long n = 0; n < samples; n++) InputDistribution.Gaussian.Sample(random, x); }));
            contenders.Add(Part("sample+label", samples => { for (long n = 0; n < samples; n++) { InputDistribution.Gaussian.Sample(random, x); sink += teacher.Label(x, random); } }));
            // The parts below cycle through 64 inputs, whose ReLU signs the branch predictor can learn;
            // the same parts over 4,096 inputs (5 MB, from L3) show what fresh inputs cost.
            var (manyInputs, manyLabels) = Cases.Prepare(generated, 4096, 4);
            contenders.Add(Part("label y (4096)", samples => { for (long n = 0; n < samples; n++) sink += teacher.Label(manyInputs[n & 4095], random); }));
            contenders.Add(Part("stage-3 k (4096)", samples =>
            {
                for (long n = 0; n < samples; n++)
                    sink += generated.Predict(manyInputs[n & 4095]) + negative.Predict(manyInputs[n & 4095]);
            }));
            contenders.Add(Part("label y", samples => { for (long n = 0; n < samples; n++) sink += teacher.Label(inputs[n & 63], random); }));
            contenders.Add(Part("stage-1 noise", samples =>
            {
                for (long n = 0; n < samples; n++)
                {
                    InputDistribution.Gaussian.Sample(random, filterNoise);
                    InputDistribution.Gaussian.Sample(random, outputNoise);
                }
            }));
            // The rules as the learners run them: through the kernel's struct type (RuleLoop).
            var stage1 = new RuleLoop(generated, BenchmarkRule.DoubleConvotron, inputs, labels);
            var stage2Positive = new RuleLoop(generated, BenchmarkRule.Convotron, inputs, labels);
            var stage2Negative = new RuleLoop(negative, BenchmarkRule.Convotron, inputs, labels);
            contenders.Add(Part("stage-1 kernel", samples => sink += stage1.Run(samples)));
            contenders.Add(Part("stage-2 kernels", samples => sink += stage2Positive.Run(samples) + stage2Negative.Run(samples)));
            contenders.Add(Part("stage-3 kernels", samples =>
            {
                for (long n = 0; n < samples; n++)
                    sink += generated.Predict(inputs[n & 63]) + negative.Predict(inputs[n & 63]);
            }));
        }
        var (seconds, ratios) = Interleaved.Measure(contenders, rounds, 0.3, minimumOperations: samplesPerRun, verbose: false);
        Console.WriteLine($"Algorithm 1 at (160, 16, 9), T1 = T2 = T3 = {steps}, Gaussian inputs, teacher labels; ns per sample, medians of {rounds} interleaved rounds:");
        for (int c = 0; c < contenders.Count; c++)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {contenders[c].Name,-16} {seconds[c] * 1e9,9:F1} ns"));
        double ratio = ratios[1];
        bool ok = ratio >= minimum;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Algorithm 1 end to end: generated is {ratio:F2}x plain ({1 / seconds[1] / 1e6:F2} M samples/s; median of {rounds} interleaved rounds; floor {minimum:F2}x): {(ok ? "ok" : "REGRESSION")}"));
        if (double.IsNaN(sink))
            Console.Write("");
        return ok ? 0 : 1;

        // Whole runs only: the operation count is rounded down to runs of 3·steps samples.
        static double Time(long runs, Action run)
        {
            var clock = Stopwatch.StartNew();
            for (long r = 0; r < Math.Max(1, runs); r++)
                run();
            return clock.Elapsed.TotalSeconds;
        }

        static Interleaved.Contender Part(string name, Action<long> loop) => new(name, samples =>
        {
            var clock = Stopwatch.StartNew();
            loop(samples);
            return clock.Elapsed.TotalSeconds;
        });
    }
}
